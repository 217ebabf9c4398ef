"""Check a schedule without trusting the solver, and measure it: company moves, paid actor days.

:func:`validate` re-reads the plan's rules from the plain data and checks an assignment (scene id → day
index) against each: every scene once, day capacity (screen time and hours with moves), actors' and
locations' availability, child hours, no nights, turnaround, weather cover, pinned scenes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from reelwright.production.schedule import Plan

__all__ = ["validate", "Violation", "company_moves", "paid_days", "metrics"]


@dataclass(frozen=True)
class Violation:
    constraint: str  # the named constraint it breaks, e.g. availability:林晚:d4
    message: str

    def __str__(self) -> str:
        return f"{self.constraint}: {self.message}"


def _day(plan: Plan, d: int) -> str:
    return f"day {d + 1} ({plan.dates[d].isoformat()})"


def validate(plan: Plan, assignment: dict[str, int]) -> list[Violation]:
    out: list[Violation] = []
    by_id = {s.id: s for s in plan.strips}
    for sid in by_id:
        if sid not in assignment:
            out.append(Violation(f"once:{sid}", f"scene {sid} is not scheduled"))
    for sid, d in assignment.items():
        if sid not in by_id:
            out.append(Violation(f"once:{sid}", f"scene {sid} is not in the breakdown"))
        elif not 0 <= d < len(plan.dates):
            out.append(Violation(f"once:{sid}", f"scene {sid} is on day {d + 1}, outside the {len(plan.dates)} days"))
    days: dict[int, list] = defaultdict(list)
    for sid, d in assignment.items():
        if sid in by_id and 0 <= d < len(plan.dates):
            days[d].append(by_id[sid])
    for d, strips in sorted(days.items()):
        seconds = sum(math.ceil(s.seconds) for s in strips)
        if seconds > plan.screen_seconds:
            out.append(Violation(f"capacity:screen:d{d + 1}", f"{_day(plan, d)} holds {seconds / 60:.1f} screen "
                                 f"minutes, more than {plan.screen_seconds / 60:.1f}"))
        moves = len({s.location for s in strips}) - 1
        minutes = sum(s.minutes for s in strips) + plan.move_minutes * moves
        if minutes > plan.day_minutes:
            out.append(Violation(f"capacity:hours:d{d + 1}", f"{_day(plan, d)} needs {minutes / 60:.1f} hours "
                                 f"({moves} move(s) included), more than {plan.day_minutes / 60:.1f}"))
        for s in strips:
            for a in s.cast:
                if d not in plan.available.get(a, set(range(len(plan.dates)))):
                    out.append(Violation(f"availability:{a}:d{d + 1}", f"{a} is not available on {_day(plan, d)} "
                                         f"but {s.id} is there"))
                if a in plan.no_nights and s.night:
                    out.append(Violation(f"nights:{a}", f"{a} may not work nights but is in night scene {s.id}"))
            if d not in plan.location_days.get(s.location, set(range(len(plan.dates)))):
                out.append(Violation(f"location:{s.location}:d{d + 1}", f"{s.location} is not available on "
                                     f"{_day(plan, d)} but {s.id} is there"))
        for a, limit in plan.child_minutes.items():
            used = sum(s.minutes for s in strips if a in s.cast)
            if used > limit:
                out.append(Violation(f"hours:{a}:d{d + 1}", f"{a} is on set {used / 60:.1f} hours on {_day(plan, d)}, "
                                     f"more than {limit / 60:.1f}"))
        if plan.cover and any(s.exterior for s in strips) and all(s.exterior for s in strips):
            out.append(Violation(f"cover:d{d + 1}", f"{_day(plan, d)} has exterior scenes but no interior to move "
                                 "to if the weather turns"))
    for d, e in plan.turnaround:
        late = days.get(d) and all(s.night for s in days[d])
        early = days.get(e) and any(not s.night for s in days[e])
        if late and early:
            out.append(Violation(f"turnaround:d{d + 1}-d{e + 1}", f"{_day(plan, d)} shoots only at night, and "
                                 f"{_day(plan, e)} has an early call: less than the turnaround between them"))
    for sid, day in plan.pins.items():
        if sid in assignment and assignment[sid] != day:
            out.append(Violation(f"pin:{sid}", f"{sid} is pinned to day {day + 1} but is on day {assignment[sid] + 1}"))
    return out


def company_moves(plan: Plan, assignment: dict[str, int]) -> int:
    """Changes of location within the shoot days: a day at three locations makes two moves."""
    locs: dict[int, set[str]] = defaultdict(set)
    by_id = {s.id: s for s in plan.strips}
    for sid, d in assignment.items():
        locs[d].add(by_id[sid].location)
    return sum(len(v) - 1 for v in locs.values())


def paid_days(plan: Plan, assignment: dict[str, int]) -> dict[str, tuple[int, int]]:
    """``{actor: (worked days, paid days)}``: paid = from their first to their last day (holds included)."""
    work: dict[str, set[int]] = defaultdict(set)
    by_id = {s.id: s for s in plan.strips}
    for sid, d in assignment.items():
        for a in by_id[sid].cast:
            work[a].add(d)
    return {a: (len(ds), max(ds) - min(ds) + 1) for a, ds in sorted(work.items())}


def metrics(plan: Plan, assignment: dict[str, int]) -> dict[str, float]:
    paid = paid_days(plan, assignment)
    return {"company_moves": company_moves(plan, assignment),
            "paid_actor_days": sum(p for _, p in paid.values()),
            "worked_actor_days": sum(w for w, _ in paid.values()),
            "hold_days": sum(p - w for w, p in paid.values()),
            "cost": round(sum(plan.cost.get(a, 1.0) * p for a, (_, p) in paid.items()), 2),
            "shoot_days": len(set(assignment.values()))}

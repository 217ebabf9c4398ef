"""Why a schedule cannot be made, in words a producer can act on: which actor, which days, which scenes.

First plain checks that need no solver (a scene whose cast are never free on the same day, an actor with
more scenes than their days can hold, more screen time than the shoot has, a pin outside the shoot).
When those pass and the solver still finds no schedule, every named group of constraints is enforced by
a literal and assumed; CP-SAT returns a set of groups that cannot hold together, and each group of that
set is then dropped on its own to see which single change would make a schedule possible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from reelwright.production.schedule import Plan, build_model
from reelwright.production.solving import solve_cp

__all__ = ["Explanation", "precheck", "diagnose"]


@dataclass
class Explanation:
    """One reason there is no schedule, and what would fix it."""

    constraint: str  # the group: capacity, availability:<actor>, hours:<actor>, nights:<actor>, location:<loc>, …
    message: str
    scenes: list[str] = field(default_factory=list)
    fixes: bool | None = None  # dropping this group alone makes a schedule possible (None: not tried)

    def __str__(self) -> str:
        tail = " Relaxing this alone makes a schedule possible." if self.fixes else ""
        return f"[{self.constraint}] {self.message}{tail}"


def _dates(plan: Plan, days: set[int]) -> str:
    if not days:
        return "no shoot day"
    ds = sorted(days)
    runs, start = [], ds[0]
    for a, b in zip(ds, ds[1:] + [None]):
        if b != a + 1:
            runs.append((start, a))
            start = b
    text = ", ".join(f"day {s + 1} ({plan.dates[s]:%b %d})" if s == e else
                     f"days {s + 1}–{e + 1} ({plan.dates[s]:%b %d}–{plan.dates[e]:%b %d})" for s, e in runs)
    return text


def _scenes(ids: list[str], n: int = 8) -> str:
    return ", ".join(ids[:n]) + (f" and {len(ids) - n} more" if len(ids) > n else "")


def precheck(plan: Plan) -> list[Explanation]:
    """Reasons found without the solver; an empty list says nothing obvious is wrong."""
    out: list[Explanation] = []
    every = set(plan.days)
    total = sum(math.ceil(s.seconds) for s in plan.strips)
    if total > plan.screen_seconds * len(plan.dates):
        need = math.ceil(total / plan.screen_seconds)
        out.append(Explanation("capacity", f"the {len(plan.strips)} scenes run {total / 60:.1f} screen minutes, but "
                               f"{len(plan.dates)} days of {plan.screen_seconds / 60:.1f} minutes hold "
                               f"{plan.screen_seconds * len(plan.dates) / 60:.1f}: shoot at least {need} days or "
                               "raise screen_minutes_per_day"))
    for s in plan.strips:
        if math.ceil(s.seconds) > plan.screen_seconds or s.minutes > plan.day_minutes:
            out.append(Explanation("capacity", f"scene {s.id} alone ({s.seconds / 60:.1f} screen minutes, "
                                   f"{s.minutes / 60:.1f} hours) is longer than a shoot day can hold", [s.id]))
        days = set(plan.location_days[s.location])
        for a in s.cast:
            days &= plan.available[a]
        if not days:
            why = "; ".join(f"{a} is available on {_dates(plan, plan.available[a])}" for a in s.cast
                            if plan.available[a] != every)
            loc = plan.location_days[s.location]
            if loc != every:
                why += ("; " if why else "") + f"{s.location} is available on {_dates(plan, loc)}"
            group = next((f"availability:{a}" for a in s.cast if plan.available[a] != every), f"location:{s.location}")
            out.append(Explanation(group, f"scene {s.id} ({s.set}) has no day when all it needs is free: {why}. "
                                   "Move an availability window or recast.", [s.id]))
        for a in s.cast:
            if a in plan.child_minutes and s.minutes > plan.child_minutes[a]:
                out.append(Explanation(f"hours:{a}", f"scene {s.id} takes {s.minutes / 60:.1f} hours, more than "
                                       f"{a}'s {plan.child_minutes[a] / 60:.1f} hours a day: split the scene or "
                                       "raise max_hours", [s.id]))
            if a in plan.no_nights and s.night:
                out.append(Explanation(f"nights:{a}", f"{a} may not work nights but night scene {s.id} needs them: "
                                       "make it a day scene or set nights: true", [s.id]))
    for a in plan.actors:
        scenes = [s for s in plan.strips if a in s.cast]
        free = plan.available[a]
        if not free:
            continue
        cap = len(free) * plan.screen_seconds
        need = sum(math.ceil(s.seconds) for s in scenes)
        if need > cap:
            out.append(Explanation(f"availability:{a}", f"{a} is in {len(scenes)} scenes ({need / 60:.1f} screen "
                                   f"minutes) but is available only on {_dates(plan, free)}, which hold "
                                   f"{cap / 60:.1f} minutes: give {a} {math.ceil((need - cap) / plan.screen_seconds)} "
                                   "more day(s)", [s.id for s in scenes]))
        if a in plan.child_minutes:
            hours = sum(s.minutes for s in scenes)
            if hours > len(free) * plan.child_minutes[a]:
                out.append(Explanation(f"hours:{a}", f"{a}'s {len(scenes)} scenes need {hours / 60:.1f} hours on set "
                                       f"but {len(free)} days of {plan.child_minutes[a] / 60:.1f} hours hold "
                                       f"{len(free) * plan.child_minutes[a] / 60:.1f}", [s.id for s in scenes]))
    ids = {s.id for s in plan.strips}
    for sid, day in plan.pins.items():
        if sid not in ids:
            out.append(Explanation(f"pin:{sid}", f"pinned scene {sid} is not in the breakdown"))
        elif not 0 <= day < len(plan.dates):
            out.append(Explanation(f"pin:{sid}", f"scene {sid} is pinned to day {day + 1}, but the shoot has "
                                   f"{len(plan.dates)} days", [sid]))
    return out


def _feasible(plan: Plan, relax: frozenset[str], seconds: float) -> tuple[bool | None, list[str]]:
    """(True: feasible, False: proven infeasible, None: unknown in the time; the core of groups)."""
    built = build_model(plan, diagnose=True, relax=relax)
    built.model.add_assumptions(list(built.groups.values()))
    solved = solve_cp(built.model, [], seconds=seconds, workers=1)
    if solved.status == "INFEASIBLE":
        names = {v.index: k for k, v in built.groups.items()}
        return False, [names[i] for i in solved.core if i in names]
    return (True if solved.found else None), []


def _describe(plan: Plan, group: str) -> Explanation:
    kind, _, what = group.partition(":")
    if kind == "availability":
        scenes = [s.id for s in plan.strips if what in s.cast]
        return Explanation(group, f"{what} is available on {_dates(plan, plan.available[what])}; their "
                           f"{len(scenes)} scenes ({_scenes(scenes)}) do not fit those days together with the other "
                           "rules", scenes)
    if kind == "location":
        scenes = [s.id for s in plan.strips if s.location == what]
        return Explanation(group, f"{what} is available on {_dates(plan, plan.location_days[what])}; its "
                           f"{len(scenes)} scenes ({_scenes(scenes)}) do not fit", scenes)
    if kind == "hours":
        scenes = [s.id for s in plan.strips if what in s.cast]
        return Explanation(group, f"{what} may be on set {plan.child_minutes[what] / 60:.1f} hours a day; their "
                           f"scenes ({_scenes(scenes)}) cannot be spread that thin", scenes)
    if kind == "nights":
        scenes = [s.id for s in plan.strips if what in s.cast and s.night]
        return Explanation(group, f"{what} may not work nights: night scenes {_scenes(scenes)}", scenes)
    if kind == "capacity":
        return Explanation(group, f"{len(plan.dates)} days of {plan.screen_seconds / 60:.1f} screen minutes and "
                           f"{plan.day_minutes / 60:.1f} hours cannot hold the scenes with the other rules: add "
                           "days or raise the day's capacity")
    if kind == "turnaround":
        nights = [s.id for s in plan.strips if s.night]
        return Explanation(group, f"the {len(nights)} night scenes need night-only days followed by a turnaround "
                           "before the next early call; there are not enough days to rest", nights)
    if kind == "cover":
        ext = [s.id for s in plan.strips if s.exterior]
        return Explanation(group, f"every day with exteriors needs an interior scene for weather cover, and the "
                           f"{len(ext)} exterior scenes outnumber the interiors that can go with them", ext)
    if kind == "pin":
        return Explanation(group, f"scene {what} is pinned to a day it cannot be shot on", [what])
    return Explanation(group, group)


def diagnose(plan: Plan, *, seconds: float = 30.0) -> list[Explanation]:
    """Why ``plan`` has no schedule: prechecks, else a minimal set of named constraint groups that conflict
    (each tried alone: does dropping it make a schedule possible?)."""
    found = precheck(plan)
    if found:
        return found
    feasible, core = _feasible(plan, frozenset(), seconds)
    if feasible is not False:
        return [Explanation("time_limit", "no schedule was found within the time limit, but none was proven "
                            "impossible: raise time_limit in schedule.yaml or add shoot days")]
    out = []
    for group in core:
        exp = _describe(plan, group)
        ok, _ = _feasible(plan, frozenset({group}), seconds / max(1, len(core)))
        exp.fixes = ok is True
        out.append(exp)
    return sorted(out, key=lambda e: not e.fixes)

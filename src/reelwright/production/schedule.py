"""The shooting schedule: every scene on a shoot day, by a constraint solver (OR-tools CP-SAT).

The model is built from plain data (:class:`Plan`) in one function, :func:`build_model`; every
constraint is named for what it protects (``capacity:screen:d3``, ``availability:林晚:d5``, …) and the
objective is a weighted sum whose weights are settings (``[weights]`` of ``schedule.yaml``): company
moves, paid actor days (a day between an actor's first and last day is paid, worked or held), shoot days.
The solution is not trusted: :func:`reelwright.production.validator.validate` checks it on its own.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reelwright.documents.breakdown import Breakdown
from reelwright.production.constraints import ScheduleSettings, shoot_dates
from reelwright.production.solving import Solved, solve_cp

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

__all__ = ["Plan", "Strip", "Schedule", "make_plan", "build_model", "solve", "greedy_baseline", "day_order",
           "Model", "first_fit"]


@dataclass(frozen=True)
class Strip:
    """One scene as the scheduler sees it."""

    id: str
    episode: int
    scene: int
    location: str
    set: str
    int_ext: str
    time_of_day: str
    night: bool
    cast: tuple[str, ...]
    seconds: float
    minutes: int  # shooting minutes (set-up included)

    @property
    def exterior(self) -> bool:
        return self.int_ext != "INT"


@dataclass
class Plan:
    """Plain data: the scenes, the days and every limit, as numbers (minutes, day indices)."""

    strips: list[Strip]
    dates: list[dt.date]
    screen_seconds: int  # per day
    day_minutes: int  # per day, moves included
    move_minutes: int
    available: dict[str, set[int]]  # actor → day indices they may work
    location_days: dict[str, set[int]]  # location → day indices it can be used
    child_minutes: dict[str, int]  # actor → minutes a day on set
    no_nights: set[str]
    cost: dict[str, float]  # actor → cost per paid day
    turnaround: list[tuple[int, int]]  # (d, e): a night-only day d forbids an early call on day e
    cover: bool
    pins: dict[str, int]  # scene id → day index
    weights: dict[str, float]
    settings: ScheduleSettings = field(default_factory=ScheduleSettings)

    @property
    def days(self) -> range:
        return range(len(self.dates))

    @property
    def actors(self) -> list[str]:
        return sorted({c for s in self.strips for c in s.cast})


def make_plan(breakdown: Breakdown, dates: list[dt.date] | int, settings: ScheduleSettings,
              start: dt.date | None = None) -> Plan:
    """The plan of ``breakdown``'s scenes over ``dates`` (or that many shoot days from ``start``)."""
    if isinstance(dates, int):
        dates = shoot_dates(start or dt.date.today(), dates, settings)
    strips = []
    for sc in breakdown.scenes:
        seconds = sc.frames / breakdown.fps
        minutes = round(60 * (settings.setup_hours + seconds / 60 * settings.hours_per_screen_minute))
        strips.append(Strip(sc.id, sc.episode, sc.scene, sc.location or sc.set, sc.set, sc.int_ext, sc.time_of_day,
                            sc.night, tuple(dict.fromkeys(c.name for c in sc.cast)), round(seconds, 2),
                            max(1, minutes)))
    actors = sorted({c for s in strips for c in s.cast})
    available = {a: {d for d, day in enumerate(dates) if settings.actor(a).allows(day)} for a in actors}
    locations = sorted({s.location for s in strips})
    location_days = {loc: {d for d, day in enumerate(dates) if settings.location(loc).allows(day)}
                     for loc in locations}
    child_minutes, no_nights, cost = {}, set(), {}
    for a in actors:
        t = settings.actor(a)
        cost[a] = t.cost_per_day
        hours = t.max_hours or (settings.child_hours if t.child else None)
        if hours:
            child_minutes[a] = round(hours * 60)
        if t.nights is False or (t.child and t.nights is None):
            no_nights.add(a)
    # a night-only day wraps at night_call + hours; the next day's early call must leave the turnaround
    night_wrap = settings.night_call.hour + settings.night_call.minute / 60 + settings.hours_per_day
    early = settings.early_call.hour + settings.early_call.minute / 60
    turnaround = []
    for d in range(len(dates) - 1):
        gap = (dates[d + 1] - dates[d]).days * 24 + early - night_wrap
        if gap < settings.turnaround_hours:
            turnaround.append((d, d + 1))
    pins = {}
    for sid, day in settings.pinned.items():
        pins[sid] = day - 1
    return Plan(strips, list(dates), round(settings.screen_minutes_per_day * 60), round(settings.hours_per_day * 60),
                round(settings.move_hours * 60), available, location_days, child_minutes, no_nights, cost,
                turnaround, settings.weather_cover, pins, settings.weights.model_dump(), settings)


@dataclass
class Model:
    """The CP-SAT model and its variables; ``groups`` are the enforcement literals of the named
    constraint groups (only when built for a diagnosis)."""

    model: cp_model.CpModel
    x: dict[tuple[int, int], cp_model.IntVar]
    groups: dict[str, cp_model.IntVar]


def build_model(plan: Plan, *, diagnose: bool = False, relax: frozenset[str] = frozenset(),
                weights: dict[str, float] | None = None) -> Model:
    """The CP-SAT model of ``plan``. With ``diagnose``, each named group of constraints is enforced by a
    literal (``Model.groups``) to be assumed, and there is no objective; groups in ``relax`` are left out.
    ``weights`` replaces the plan's objective weights."""
    from ortools.sat.python import cp_model  # noqa: PLC0415 - heavy (pandas), only when scheduling

    m = cp_model.CpModel()
    S, D = range(len(plan.strips)), plan.days
    groups: dict[str, cp_model.IntVar] = {}

    def add(group: str, constraint, name: str) -> None:
        constraint.with_name(name)
        if diagnose:
            if group not in groups:
                groups[group] = m.new_bool_var(f"enforce[{group}]")
            constraint.only_enforce_if(groups[group])

    def wanted(group: str) -> bool:
        return group not in relax

    x = {(s, d): m.new_bool_var(f"x[{plan.strips[s].id},d{d + 1}]") for s in S for d in D}
    for s in S:
        m.add_exactly_one(x[s, d] for d in D).with_name(f"once:{plan.strips[s].id}")
    # day capacity: screen time, and hours with company moves
    locations = sorted({st.location for st in plan.strips})
    y = {(loc, d): m.new_bool_var(f"y[{loc},d{d + 1}]") for loc in locations for d in D}
    used = {d: m.new_bool_var(f"used[d{d + 1}]") for d in D}
    for s in S:
        for d in D:
            m.add_implication(x[s, d], y[plan.strips[s].location, d])
    for d in D:
        for loc in locations:
            m.add_implication(y[loc, d], used[d])
        m.add(used[d] <= sum(y[loc, d] for loc in locations))
        for loc in locations:  # a location is only "used" on a day that shoots there; it holds a day's worth
            at = [s for s in S if plan.strips[s].location == loc]
            m.add(y[loc, d] <= sum(x[s, d] for s in at))
            m.add(sum(int(math.ceil(plan.strips[s].seconds)) * x[s, d] for s in at) <= plan.screen_seconds * y[loc, d])
        moves = sum(y[loc, d] for loc in locations) - used[d]
        if wanted("capacity"):
            add("capacity", m.add(sum(int(math.ceil(plan.strips[s].seconds)) * x[s, d] for s in S)
                                  <= plan.screen_seconds), f"capacity:screen:d{d + 1}")
            add("capacity", m.add(sum(plan.strips[s].minutes * x[s, d] for s in S) + plan.move_minutes * moves
                                  <= plan.day_minutes), f"capacity:hours:d{d + 1}")
    for loc in locations:  # a location needs at least as many days as its screen time fills (a valid cut)
        total = sum(int(math.ceil(st.seconds)) for st in plan.strips if st.location == loc)
        m.add(sum(y[loc, d] for d in D) >= -(-total // plan.screen_seconds))
    # actors: availability, child hours, nights; first and last day (paid span, only when it is weighed)
    w = weights or plan.weights
    paying = not diagnose and w["actor_days"] > 0
    first, last, spans = {}, {}, {}
    for a in plan.actors:
        scenes = [s for s in S if a in plan.strips[s].cast]
        if paying:
            work = {d: m.new_bool_var(f"work[{a},d{d + 1}]") for d in D}
            first[a] = m.new_int_var(0, len(D) - 1, f"first[{a}]")
            last[a] = m.new_int_var(0, len(D) - 1, f"last[{a}]")
        for d in D:
            if paying:
                for s in scenes:
                    m.add_implication(x[s, d], work[d])
                m.add(work[d] <= sum(x[s, d] for s in scenes))
                m.add(first[a] <= d).only_enforce_if(work[d])
                m.add(last[a] >= d).only_enforce_if(work[d])
            if d not in plan.available[a] and wanted(f"availability:{a}"):
                for s in scenes:
                    add(f"availability:{a}", m.add(x[s, d] == 0), f"availability:{a}:d{d + 1}:{plan.strips[s].id}")
            if a in plan.child_minutes and wanted(f"hours:{a}"):
                add(f"hours:{a}", m.add(sum(plan.strips[s].minutes * x[s, d] for s in scenes)
                                        <= plan.child_minutes[a]), f"hours:{a}:d{d + 1}")
            if a in plan.no_nights and wanted(f"nights:{a}"):
                for s in scenes:
                    if plan.strips[s].night:
                        add(f"nights:{a}", m.add(x[s, d] == 0), f"nights:{a}:{plan.strips[s].id}")
        if paying:
            m.add(last[a] >= first[a])
            spans[a] = last[a] - first[a] + 1
            # valid cuts: the span holds every worked day; the worked days hold the actor's screen time
            m.add(spans[a] >= sum(work.values()))
            need = sum(int(math.ceil(plan.strips[s].seconds)) for s in scenes)
            m.add(sum(work.values()) >= -(-need // plan.screen_seconds))
    # locations' own availability
    for s in S:
        loc = plan.strips[s].location
        for d in D:
            if d not in plan.location_days[loc] and wanted(f"location:{loc}"):
                add(f"location:{loc}", m.add(x[s, d] == 0), f"location:{loc}:d{d + 1}:{plan.strips[s].id}")
    # night scenes and the turnaround before the next early call
    night = {d: m.new_bool_var(f"night[d{d + 1}]") for d in D}
    early = {d: m.new_bool_var(f"early[d{d + 1}]") for d in D}
    late = {d: m.new_bool_var(f"late[d{d + 1}]") for d in D}
    for d in D:
        day_scenes = [s for s in S if not plan.strips[s].night]
        for s in S:
            m.add_implication(x[s, d], night[d] if plan.strips[s].night else early[d])
        m.add(early[d] <= sum(x[s, d] for s in day_scenes))
        m.add(late[d] >= night[d] - early[d])
    if wanted("turnaround"):
        for d, e in plan.turnaround:
            add("turnaround", m.add(late[d] + early[e] <= 1), f"turnaround:d{d + 1}-d{e + 1}")
    # weather cover: a day with exteriors holds an interior too
    if plan.cover and wanted("cover"):
        for d in D:
            ext = [s for s in S if plan.strips[s].exterior]
            inner = [s for s in S if not plan.strips[s].exterior]
            if not ext:
                continue
            has_ext = m.new_bool_var(f"ext[d{d + 1}]")
            for s in ext:
                m.add_implication(x[s, d], has_ext)
            add("cover", m.add(sum(x[s, d] for s in inner) >= has_ext), f"cover:d{d + 1}")
    # pinned scenes
    index = {st.id: s for s, st in enumerate(plan.strips)}
    for sid, day in plan.pins.items():
        if sid in index and day in D and wanted(f"pin:{sid}"):  # pins outside the days: see diagnosis
            add(f"pin:{sid}", m.add(x[index[sid], day] == 1), f"pin:{sid}")
    if not diagnose:
        moves = sum(y.values()) - sum(used.values())
        paid = sum(round(100 * plan.cost[a]) * spans[a] for a in plan.actors) if paying else 0
        m.minimize(round(100 * w["company_moves"]) * moves + round(w["actor_days"]) * paid
                   + round(100 * w["shoot_days"]) * sum(used.values()))
    return Model(m, x, groups)


@dataclass
class Schedule:
    """Where every scene goes (scene id → day index), in shooting order within each day."""

    plan: Plan
    days: dict[int, list[str]]  # day index → scene ids in shooting order
    status: str = "OPTIMAL"
    seconds: float = 0.0
    objective: float | None = None
    bound: float | None = None

    @property
    def assignment(self) -> dict[str, int]:
        return {sid: d for d, ids in self.days.items() for sid in ids}


def day_order(plan: Plan, assignment: dict[str, int]) -> dict[int, list[str]]:
    """Scenes of each day in shooting order: location by location (day scenes' locations first, night
    scenes last), script order within a location."""
    by_id = {s.id: s for s in plan.strips}
    days: dict[int, list[str]] = {}
    for d in sorted(set(assignment.values())):
        ids = [sid for sid in assignment if assignment[sid] == d]
        block: dict[str, list] = {}
        for sid in sorted(ids, key=lambda i: (by_id[i].episode, by_id[i].scene)):
            block.setdefault(by_id[sid].location, []).append(sid)
        order = sorted(block, key=lambda loc: (all(by_id[i].night for i in block[loc]),
                                               min(by_id[i].night for i in block[loc]), loc))
        days[d] = [sid for loc in order for sid in sorted(block[loc], key=lambda i: (by_id[i].night,
                                                                                   by_id[i].episode,
                                                                                   by_id[i].scene))]
    return days


def _run(plan: Plan, built: Model, hint: dict[str, int] | None, seconds: float, workers: int
         ) -> tuple[str, Solved, dict[str, int] | None]:
    if hint:
        index = {st.id: s for s, st in enumerate(plan.strips)}
        for sid, day in hint.items():
            for d in plan.days:
                built.model.add_hint(built.x[index[sid], d], d == day)
    keys = list(built.x)
    solved = solve_cp(built.model, [built.x[k] for k in keys], seconds=seconds, workers=workers)
    if solved.values is None:
        return solved.status, solved, None
    return solved.status, solved, {plan.strips[s].id: d for (s, d), v in zip(keys, solved.values) if v}


def solve(plan: Plan, *, time_limit: float | None = None, workers: int | None = None,
          hint: dict[str, int] | None = None, warm_start: float = 0.5) -> Schedule | None:
    """Solve ``plan``; None when infeasible (or no schedule was found in the time limit).

    The search starts from :func:`first_fit` (or ``hint``). With ``warm_start`` > 0 that share of the time
    first looks for few company moves alone (moves are what a location-by-location stripboard is good
    at); the weighted objective then starts from the schedule found."""
    limit = time_limit or plan.settings.time_limit
    workers = workers or plan.settings.workers
    t0 = time.monotonic()
    hint = hint if hint is not None else first_fit(plan)
    found = None
    if warm_start > 0 and plan.weights["company_moves"] > 0:
        moves_only = {"company_moves": plan.weights["company_moves"], "actor_days": 0.0, "shoot_days": 0.0}
        status, _, found = _run(plan, build_model(plan, weights=moves_only), hint, limit * warm_start, workers)
        if status == "INFEASIBLE":
            return None
        hint = found or hint
    warm = found  # a complete schedule from the warm start, or None
    remaining = max(1.0, limit - (time.monotonic() - t0))
    status, solved, assignment = _run(plan, build_model(plan), hint, remaining, workers)
    if assignment is None:
        if warm is None:
            return None
        # the warm start's schedule keeps every rule: better than none when the time ran out
        return Schedule(plan, day_order(plan, warm), "FEASIBLE", time.monotonic() - t0)
    return Schedule(plan, day_order(plan, assignment), status, time.monotonic() - t0, solved.objective,
                    solved.bound)


def greedy_baseline(plan: Plan) -> dict[str, int]:
    """The stripboard a hurried first pass makes: scenes grouped by location (locations in order of first
    appearance), script order within each, poured into days up to the day's screen time and hours."""
    order: dict[str, list[Strip]] = {}
    for st in plan.strips:
        order.setdefault(st.location, []).append(st)
    out: dict[str, int] = {}
    d, seconds, minutes, locs = 0, 0.0, 0, set()
    for loc, strips in order.items():
        for st in strips:
            extra = plan.move_minutes if locs and loc not in locs else 0
            if seconds + math.ceil(st.seconds) > plan.screen_seconds or minutes + st.minutes + extra > plan.day_minutes:
                if d < len(plan.dates) - 1:
                    d, seconds, minutes, locs, extra = d + 1, 0.0, 0, set(), 0
            out[st.id] = d
            seconds += math.ceil(st.seconds)
            minutes += st.minutes + extra
            locs.add(loc)
    return out


def first_fit(plan: Plan) -> dict[str, int]:
    """A starting point for the solver, packed the way an assistant director would: each location's scenes
    cut into day-sized blocks, biggest first, each block on the day where it adds the least (an empty day
    adds no move; a day outside an actor's span adds paid days) among the days its cast, location,
    capacity and hour limits allow; a block that fits no day is placed scene by scene. Day-pair rules
    (turnaround, cover) are left to the solver, which searches from the hint."""
    w = plan.weights
    n = len(plan.dates)
    seconds, minutes = [0] * n, [0] * n
    locs: list[set[str]] = [set() for _ in plan.dates]
    child: dict[tuple[str, int], int] = {}
    span: dict[str, tuple[int, int]] = {}
    def allowed(st: Strip, d: int) -> bool:
        if st.id in plan.pins and plan.pins[st.id] != d:
            return False
        if d not in plan.location_days[st.location] or any(d not in plan.available[a] for a in st.cast):
            return False
        return not (st.night and any(a in plan.no_nights for a in st.cast))

    blocks: list[list[Strip]] = []
    by_loc: dict[str, list[Strip]] = {}
    for st in plan.strips:
        by_loc.setdefault(st.location, []).append(st)
    def days_for(st: Strip) -> frozenset[int]:
        return frozenset(d for d in range(n) if allowed(st, d))

    for strips in by_loc.values():  # blocks of one location whose scenes share a day they can all be shot on
        strips = sorted(strips, key=lambda st: (min(days_for(st), default=n), max(days_for(st), default=n),
                                                st.episode, st.scene))
        block: list[Strip] = []
        common = frozenset(range(n))
        for st in strips:
            full = sum(math.ceil(b.seconds) for b in block) + math.ceil(st.seconds) > plan.screen_seconds
            if block and (full or not (common & days_for(st))):
                blocks.append(block)
                block, common = [], frozenset(range(n))
            block.append(st)
            common &= days_for(st)
        blocks.append(block)
    blocks.sort(key=lambda b: -sum(st.seconds for st in b))

    def cost(group: list[Strip], d: int) -> float | None:
        if not all(allowed(st, d) for st in group):
            return None
        new = {st.location for st in group} - locs[d]
        moves = len(new) - (0 if locs[d] else 1)
        if seconds[d] + sum(math.ceil(st.seconds) for st in group) > plan.screen_seconds or \
                minutes[d] + sum(st.minutes for st in group) + plan.move_minutes * moves > plan.day_minutes:
            return None
        for a in plan.child_minutes:
            if child.get((a, d), 0) + sum(st.minutes for st in group if a in st.cast) > plan.child_minutes[a]:
                return None
        c = w["company_moves"] * moves + w["shoot_days"] * (0 if locs[d] else 1)
        for a in {a for st in group for a in st.cast}:
            lo, hi = span.get(a, (d, d))
            c += w["actor_days"] * plan.cost[a] * ((max(hi, d) - min(lo, d)) - (hi - lo))
        return c

    def place(group: list[Strip], d: int) -> None:
        for st in group:
            out[st.id] = d
            minutes[d] += st.minutes + (plan.move_minutes if locs[d] and st.location not in locs[d] else 0)
            seconds[d] += math.ceil(st.seconds)
            locs[d].add(st.location)
            for a in st.cast:
                lo, hi = span.get(a, (d, d))
                span[a] = (min(lo, d), max(hi, d))
                if a in plan.child_minutes:
                    child[(a, d)] = child.get((a, d), 0) + st.minutes

    def best(group: list[Strip]) -> int | None:
        scored = [(c, d) for d in range(n) if (c := cost(group, d)) is not None]
        return min(scored)[1] if scored else None

    out: dict[str, int] = {}
    for block in blocks:
        d = best(block)
        if d is not None:
            place(block, d)
            continue
        for st in block:
            d = best([st])
            place([st], d if d is not None else min(range(n), key=lambda k: seconds[k]))
    return out

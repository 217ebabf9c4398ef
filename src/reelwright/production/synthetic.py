"""A synthetic season for the scheduling benchmark and tests: many short episodes, a recurring cast with
guest arcs and availability windows, a few main sets and many one-arc locations, day and night, INT and EXT.

Deterministic for a seed; sized by its arguments (the benchmark: 80 episodes × 5 scenes, 25 cast,
30 locations into 30 days).
"""

from __future__ import annotations

import datetime as dt
import random

from reelwright.documents.breakdown import Breakdown, CastEntry, SceneBreakdown, scene_id
from reelwright.production.constraints import ActorTerms, ScheduleSettings

__all__ = ["synthetic_season"]


def synthetic_season(*, episodes: int = 80, scenes_per_episode: int = 5, cast: int = 25, locations: int = 30,
                     days: int = 30, start: dt.date = dt.date(2027, 3, 1), seed: int = 7,
                     screen_minutes_per_day: float = 8.0, fps: int = 30) -> tuple[Breakdown, ScheduleSettings]:
    """A breakdown and its schedule constraints (windows sized so a schedule exists)."""
    rng = random.Random(seed)
    leads = [f"LEAD {i + 1}" for i in range(min(3, cast))]
    support = [f"SUPPORT {i + 1}" for i in range(min(4, max(0, cast - len(leads))))]
    guests = [f"GUEST {i + 1}" for i in range(max(0, cast - len(leads) - len(support)))]
    mains = [f"MAIN SET {i + 1}" for i in range(min(5, locations))]
    others = [f"LOCATION {i + 1}" for i in range(max(0, locations - len(mains)))]
    # each guest and each minor location belongs to an arc of consecutive episodes
    arc = max(1, episodes // max(1, len(guests)))
    guest_eps = {g: set(range(1 + (i * episodes) // max(1, len(guests)),
                              2 + (i * episodes) // max(1, len(guests)) + arc + rng.randint(0, 3)))
                 for i, g in enumerate(guests)}
    loc_eps = {loc: set(range(1 + (i * episodes) // max(1, len(others)),
                              2 + (i * episodes) // max(1, len(others)) + max(2, episodes // max(1, len(others)))))
               for i, loc in enumerate(others)}
    scenes = []
    for ep in range(1, episodes + 1):
        for k in range(1, scenes_per_episode + 1):
            local = [loc for loc, eps in loc_eps.items() if ep in eps]
            loc = rng.choice(local) if local and rng.random() < 0.45 else rng.choice(mains[:3] if rng.random() < 0.7
                                                                                   else mains)
            people = [a for a in leads if rng.random() < 0.55] or [rng.choice(leads)]
            people += [a for a in support if rng.random() < 0.2]
            people += [g for g in guests if ep in guest_eps[g] and rng.random() < 0.5]
            night = rng.random() < 0.25 and (not support or support[-1] not in people)  # the child: days only
            ext = rng.random() < (0.35 if loc in others else 0.15)
            seconds = rng.uniform(14, 34)
            scenes.append(SceneBreakdown(
                id=scene_id(ep, k), episode=ep, scene=k, set=loc, location=loc, int_ext="EXT" if ext else "INT",
                time_of_day="NIGHT" if night else "DAY", night=night, story_day=ep,
                cast=[CastEntry(name=a) for a in people], frames=round(seconds * fps), length_from="estimate",
                heading=f"{'EXT' if ext else 'INT'}. {loc} - {'NIGHT' if night else 'DAY'}"))
    settings = ScheduleSettings(screen_minutes_per_day=screen_minutes_per_day)
    end = start + dt.timedelta(days=days - 1)
    for i, g in enumerate(guests):  # guests: a window of about half the shoot
        length = max(8, days // 2 + rng.randint(-3, 3))
        first = rng.randint(0, max(0, days - length))
        settings.actors[g] = ActorTerms(available_from=start + dt.timedelta(days=first),
                                        available_until=min(end, start + dt.timedelta(days=first + length - 1)),
                                        cost_per_day=1.0)
    for a in support:
        settings.actors[a] = ActorTerms(cost_per_day=2.0,
                                        unavailable=[start + dt.timedelta(days=rng.randrange(days)) for _ in range(2)])
    for a in leads:
        settings.actors[a] = ActorTerms(cost_per_day=4.0)
    if support:  # one child actor among the supporting cast
        settings.actors[support[-1]] = settings.actors[support[-1]].model_copy(update={"child": True})
    return Breakdown(title="synthetic season", fps=fps, scenes=scenes), settings

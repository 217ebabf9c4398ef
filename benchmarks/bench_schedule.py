"""Scheduling benchmark: a synthetic season (80 episodes, ~400 scenes, 25 cast, 30 locations, availability
windows, a child actor, nights, exteriors) into 30 shoot days with OR-tools CP-SAT on 2 threads, against a
greedy baseline (scenes grouped by location in script order, poured into days) measured in the same run,
both checked by the independent validator.

Prints company moves and paid actor days (first to last day, holds included) side by side with their
ratios, the solve time, and the validator's findings; ``--json`` prints one JSON object. Exit 1 when the
solver's schedule breaks a constraint. ``make bench-schedule`` runs it (also part of ``make bench``).

    python benchmarks/bench_schedule.py [--episodes 80] [--days 30] [--time-limit 100] [--workers 2] [--seed 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time

from reelwright.production.schedule import first_fit, greedy_baseline, make_plan, solve
from reelwright.production.synthetic import synthetic_season
from reelwright.production.validator import metrics, validate


def run(episodes: int, days: int, time_limit: float, workers: int, seed: int, cast: int = 25,
        locations: int = 30) -> dict:
    breakdown, settings = synthetic_season(episodes=episodes, cast=cast, locations=locations, days=days, seed=seed)
    plan = make_plan(breakdown, days, settings, dt.date(2027, 3, 1))
    t0 = time.monotonic()
    baseline = greedy_baseline(plan)
    baseline_seconds = time.monotonic() - t0
    t0 = time.monotonic()
    schedule = solve(plan, time_limit=time_limit, workers=workers)
    seconds = time.monotonic() - t0  # model building and hint included
    out = {"scenes": len(plan.strips), "cast": len(plan.actors), "locations": len({s.location for s in plan.strips}),
           "days": days, "time_limit": time_limit, "workers": workers, "seed": seed,
           "cpu_count": os.cpu_count(), "machine": platform.machine(), "python": platform.python_version(),
           "baseline": {**metrics(plan, baseline), "seconds": round(baseline_seconds, 3),
                        "violations": len(validate(plan, baseline)),
                        "violated": sorted({str(v).split(":")[0] for v in validate(plan, baseline)})},
           "first_fit": {**metrics(plan, first_fit(plan)), "violations": len(validate(plan, first_fit(plan)))}}
    if schedule is None:
        out["solver"] = {"status": "NO SCHEDULE", "seconds": round(seconds, 2)}
        return out
    violations = validate(plan, schedule.assignment)
    out["solver"] = {**metrics(plan, schedule.assignment), "status": schedule.status, "seconds": round(seconds, 2),
                     "solver_seconds": round(schedule.seconds, 2), "objective": schedule.objective,
                     "bound": schedule.bound, "violations": len(violations),
                     "violated": [str(v) for v in violations[:10]]}
    for key in ("company_moves", "paid_actor_days", "hold_days", "cost"):
        b = out["baseline"][key]
        out["solver"][f"{key}_vs_baseline"] = round(out["solver"][key] / b, 3) if b else None
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--episodes", type=int, default=80)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--time-limit", type=float, default=100.0, help="solver seconds (default 100)")
    ap.add_argument("--workers", type=int, default=2, help="solver threads (default 2)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    r = run(args.episodes, args.days, args.time_limit, args.workers, args.seed)
    if args.json:
        print(json.dumps(r, indent=2))
    else:
        s, b = r["solver"], r["baseline"]
        print(f"{r['scenes']} scenes, {r['cast']} cast, {r['locations']} locations into {r['days']} days; "
              f"CP-SAT on {r['workers']} thread(s), limit {r['time_limit']:.0f} s ({r['cpu_count']} CPUs here)")
        print(f"{'':24}{'CP-SAT':>10}{'baseline':>10}{'ratio':>8}")
        for key in ("company_moves", "paid_actor_days", "hold_days", "shoot_days"):
            ratio = s.get(f"{key}_vs_baseline")
            print(f"{key:24}{s.get(key, '-'):>10}{b[key]:>10}{(f'{ratio:.2f}' if ratio else '-'):>8}")
        print(f"{'violations (validator)':24}{s.get('violations', '-'):>10}{b['violations']:>10}")
        print(f"solve: {s['status']} in {s['seconds']:.1f} s; baseline breaks {', '.join(b['violated']) or 'nothing'}")
    return 0 if r["solver"].get("violations", 1) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

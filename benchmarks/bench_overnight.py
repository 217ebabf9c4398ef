"""The overnight season: premise → bible and season plan → N episode scripts → build → localise → deliver.

Runs the whole job a studio leaves running overnight, on the embedded defaults
(the local text model, the comic pictures, Piper/espeak voices), through the
CLI exactly as a user would, one step per episode so each stage's cost per
episode is measured. Every step is recorded in ``DIR/overnight.json`` as it
finishes; run it again with the same ``--dir`` and finished steps are skipped
(their recorded times kept), so an interrupted night resumes where it stopped.

Prints each episode's seconds per stage and the projection for a season of
``--season`` episodes of ``--target-seconds`` s on this machine:

    projection = premise (once) + season × (median write + median build + median localise + median deliver)

where build, localise and deliver are first scaled to the target length by each episode's built duration
(they scale with minutes of video; writing scales with the episode, not its length).

    python benchmarks/bench_overnight.py [--episodes 6] [--dir overnight-season] [--to zh]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from reelwright.media.video import probe

PREMISE = ("A maid is forced into a contract marriage with a cold CEO who hides a secret: he is the boy she "
           "saved from a fire ten years ago, and his stepmother wants her gone.")
STAGES = ("write", "build", "localise", "deliver")


def _record(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def _run(args: list[str], ok: tuple[int, ...] = (0,)) -> float:
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "reelwright", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    took = time.monotonic() - t0
    if proc.returncode not in ok:
        sys.stdout.write(proc.stdout[-4000:])
        raise SystemExit(f"bench-overnight: 'reelwright {' '.join(args)}' failed (exit {proc.returncode}); "
                         "fix it and run again: finished steps are kept")
    return took


def _duration(video: Path) -> float | None:
    return probe(video)["duration"] if video.is_file() else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--episodes", type=int, default=6, help="episodes to write, build, localise and deliver")
    ap.add_argument("--dir", default="overnight-season", help="the project folder (kept: run again to resume)")
    ap.add_argument("--to", default="zh", help="the one more language to localise and deliver in (default zh)")
    ap.add_argument("--season", type=int, default=80, help="episodes in the projected season (default 80)")
    ap.add_argument("--target-seconds", type=int, default=60)
    args = ap.parse_args(argv)

    root = Path(args.dir).resolve()
    log_path = root / "overnight.json"
    if not (root / "reelwright.toml").is_file():
        (root / "scripts").mkdir(parents=True, exist_ok=True)
        (root / "reelwright.toml").write_text(
            f'[project]\ntitle = "Overnight"\nlanguage = "en"\n\n[providers]\ntext = "local"\n\n'
            f'[writing]\nepisodes = {max(args.season, args.episodes)}\ntarget_seconds = {args.target_seconds}\n',
            encoding="utf-8")
    log = json.loads(log_path.read_text(encoding="utf-8")) if log_path.is_file() else {"steps": {}}
    log["machine"] = {"cores": os.cpu_count(), "load_at_start": list(os.getloadavg())}
    steps: dict[str, float] = log["steps"]

    def step(name: str, cli: list[str], ok: tuple[int, ...] = (0,), made: Path | None = None) -> None:
        if name in steps:
            print(f"  {name:<14} {steps[name]:8.1f} s (recorded earlier)", flush=True)
            return
        took = round(_run(cli, ok), 2)
        if made is not None and not made.is_file():  # exit 1 is a failed self-check only when the video is there
            raise SystemExit(f"bench-overnight: 'reelwright {' '.join(cli)}' made no {made}; fix it and run again")
        steps[name] = took
        log.setdefault("load", {})[name] = round(os.getloadavg()[0], 2)
        _record(log_path, log)
        print(f"  {name:<14} {steps[name]:8.1f} s  (load {os.getloadavg()[0]:.1f})", flush=True)

    print(f"bench-overnight: {args.episodes} episode(s) in {root}, localised to {args.to}; "
          f"load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    step("premise", ["write", "premise", PREMISE, str(root)])
    for n in range(1, args.episodes + 1):
        step(f"write:{n}", ["write", "episodes", str(root), "--episodes", str(n)])
    for n in range(1, args.episodes + 1):
        step(f"build:{n}", ["build", str(root), "--episodes", str(n), "--quiet"], ok=(0, 1),  # 1: check failures
             made=root / "build" / f"ep{n:03d}.mp4")
    for n in range(1, args.episodes + 1):
        step(f"localise:{n}", ["localise", str(root), "--to", args.to, "--episodes", str(n), "--quiet"])
    for n in range(1, args.episodes + 1):
        step(f"deliver:{n}", ["deliver", str(root), "--episodes", str(n), "--languages", args.to, "--quiet"],
             ok=(0, 1), made=root / "build" / "deliver" / f"ep{n:03d}" / f"ep{n:03d}.master.mp4")  # 1: a subtitle
        # over its reading speed is reported (exit 1) with the package written

    durations = {n: _duration(root / "build" / f"ep{n:03d}.mp4") or float(args.target_seconds)
                 for n in range(1, args.episodes + 1)}
    log["durations"] = durations
    _record(log_path, log)
    print(f"\nper episode (seconds; build, localise and deliver also per {args.target_seconds} s of video):")
    print(f"  {'episode':<8} {'length':>7} " + " ".join(f"{s:>9}" for s in STAGES))
    per: dict[str, list[float]] = {s: [] for s in STAGES}
    for n in range(1, args.episodes + 1):
        scale = args.target_seconds / durations[n]
        row = []
        for s in STAGES:
            v = steps[f"{s}:{n}"] * (1.0 if s == "write" else scale)
            per[s].append(v)
            row.append(f"{steps[f'{s}:{n}']:9.1f}")
        print(f"  ep{n:03d}    {durations[n]:6.1f}s " + " ".join(row))
    med = {s: statistics.median(v) for s, v in per.items()}
    episode = sum(med.values())
    total = steps["premise"] + args.season * episode
    print(f"  {'median':<8} {'(scaled)':>7} " + " ".join(f"{med[s]:9.1f}" for s in STAGES)
          + f"   = {episode:.0f} s per {args.target_seconds}-s episode")
    print(f"\nprojection for {args.season} episodes of {args.target_seconds} s: premise {steps['premise']:.0f} s + "
          f"{args.season} × {episode:.0f} s = {total / 3600:.1f} h on this machine "
          f"({os.cpu_count()} cores; load {log['machine']['load_at_start'][0]:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} now)")
    print("  made from the medians of the episodes above (build, localise, deliver scaled to the target length "
          "by each episode's built duration); the season plan for all episodes is in the premise step")
    log["projection_hours"] = round(total / 3600, 2)
    _record(log_path, log)
    print(f"overnight_hours={total / 3600:.2f} per_episode_s={episode:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

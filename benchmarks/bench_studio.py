"""The studio's pages on a 100-episode season against a static file served by the same server, side by side.

A 100-episode season is made with one short script per episode and a season plan; episode 1 is built for real
(270x480), and its build products (video, subtitles, timeline, self-check) are copied under the other 99
episode names, so every card has a thumbnail, a duration, a shot count and a check to read, as after a real
season build (building 100 episodes would only make this benchmark slow, not different: the pages read the
same files). The studio runs in uvicorn on 127.0.0.1; one keep-alive connection asks, in turn, for the static
CSS file, the season page and an episode page, ``--rounds`` times, after a warm-up. Printed: the median time of
each and the ratios to the static file (the goal: both under 10x).

    python benchmarks/bench_studio.py [--episodes 100] [--rounds 300]
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn

from reelwright import api
from reelwright.documents.base import save_document
from reelwright.documents.season import Beat, EpisodePlan, Season
from reelwright.project.folder import Project
from reelwright.studio import create_app

TOML = """[project]
title = "Bench Season"
language = "en"

[video]
width = 270
height = 480
fps = 15
preset = "superfast"

[render]
workers = 1
"""

SCRIPT = """Title: Bench Season
Episode: {n}

INT. KITCHEN - NIGHT

MAYA stares at the envelope.

MAYA
Episode {n}: he said he would never come back.

EXT. PARK - DAY

LEO waits by the bench.

LEO
She will come, in episode {n}.
"""

ACTS = ("setup", "escalation", "midpoint", "climax")


def make_season(root: Path, episodes: int) -> None:
    (root / "scripts").mkdir(parents=True)
    (root / "reelwright.toml").write_text(TOML, encoding="utf-8")
    for n in range(1, episodes + 1):
        (root / "scripts" / f"ep{n:03d}.fountain").write_text(SCRIPT.format(n=n), encoding="utf-8")
    plans = [EpisodePlan(number=n, act=ACTS[min(3, 4 * (n - 1) // episodes)], title=f"Episode {n}",
                         cliffhanger_strength=1 + n % 10, paywall=n == 10,
                         beats=[Beat(kind="hook", start=0, end=3), Beat(kind="turn", start=15, end=17),
                                Beat(kind="cliffhanger", start=50, end=60)]) for n in range(1, episodes + 1)]
    save_document(Season(title="Bench Season", episode_count=episodes, paywall_after=10, episodes=plans),
                  root / "season.yaml")
    api.build(root, [1])
    project = Project.load(root)
    build = project.build_dir
    timeline = json.loads((build / "ep001.timeline.json").read_text(encoding="utf-8"))
    check = json.loads((build / "ep001.check.json").read_text(encoding="utf-8"))
    for n in range(2, episodes + 1):
        tag = f"ep{n:03d}"
        for suffix in (".mp4", ".srt", ".me.wav"):
            if (build / f"ep001{suffix}").is_file():
                shutil.copyfile(build / f"ep001{suffix}", build / f"{tag}{suffix}")
        (build / f"{tag}.timeline.json").write_text(json.dumps({**timeline, "episode": n}), encoding="utf-8")
        (build / f"{tag}.check.json").write_text(json.dumps({**check, "episode": n}), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(conn: http.client.HTTPConnection, path: str) -> float:
    t = time.perf_counter()
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    elapsed = time.perf_counter() - t
    if r.status != 200 or not body:
        raise RuntimeError(f"{path}: HTTP {r.status}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--episodes", type=int, default=100)
    p.add_argument("--rounds", type=int, default=300)
    p.add_argument("--keep", help="build the season here and keep it (default: a temp folder)")
    args = p.parse_args(argv)
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-studio-"))
    root = tmp / "season"
    try:
        if not (root / "reelwright.toml").is_file():
            t = time.perf_counter()
            make_season(root, args.episodes)
            print(f"season of {args.episodes} episodes ready in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(root, port=port), host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        middle = max(1, args.episodes // 2)
        paths = {"static": "/static/studio.css", "season": "/", "episode": f"/episodes/{middle}"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(10):  # warm-up: first parses, thumbnails of the season page made once
            for path in paths.values():
                timed(conn, path)
        times: dict[str, list[float]] = {k: [] for k in paths}
        for _ in range(args.rounds):
            for name, path in paths.items():  # side by side: one of each per round
                times[name].append(timed(conn, path))
        conn.close()
        server.should_exit = True
        thread.join(10)
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"studio pages, {args.episodes}-episode season, median of {args.rounds} (same server, one connection):")
        print(f"  static file  /static/studio.css   {med['static'] * 1000:7.2f} ms")
        print(f"  season page  /                    {med['season'] * 1000:7.2f} ms   "
              f"{med['season'] / med['static']:5.1f}x the static file")
        print(f"  episode page {paths['episode']:<20} {med['episode'] * 1000:7.2f} ms   "
              f"{med['episode'] / med['static']:5.1f}x the static file")
        ok = med["season"] < 10 * med["static"] and med["episode"] < 10 * med["static"]
        print("  goal (< 10x): " + ("met" if ok else "NOT met"))
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

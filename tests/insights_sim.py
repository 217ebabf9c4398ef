"""Simulated viewers for the insights tests: effects and their sizes are chosen by each test.

A viewer watching second t of an episode leaves during it with probability

    base + early · exp(−t / early_tau)                     everyone's swipe-away in the first seconds
         + opening   while no line has been spoken yet     a slow opening
         + stale     per second beyond ``stale_after`` s without a turn
         + drops[t]  at seconds the test plants

Leavers per second are binomial draws from the viewers still watching, so curves carry the noise a real
platform's counts would. A season is a chain of such episodes: the next episode's plays are this one's
viewers times its continuation, which a cliffhanger raises by ``cliffhanger_pull``.
Synthetic timelines (no media) stand in for built episodes where a test needs many of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reelwright.documents.base import save_document
from reelwright.documents.storyboard import Shot
from reelwright.documents.timeline import AudioClip, Cue, StingCue, Timeline, TimelineShot


@dataclass
class Viewers:
    base: float = 0.006
    early: float = 0.06
    early_tau: float = 2.0
    opening: float = 0.0
    stale: float = 0.0
    stale_after: float = 12.0
    drops: dict[int, float] = field(default_factory=dict)


def hazards(seconds: int, v: Viewers, first_line: float | None = None, turns: list[float] = ()) -> np.ndarray:
    out = np.empty(seconds)
    for t in range(seconds):
        mid = t + 0.5
        h = v.base + v.early * math.exp(-t / v.early_tau)
        if v.opening and (first_line is None or mid < first_line):
            h += v.opening
        last = max([x for x in turns if x <= mid], default=0.0)
        if v.stale and mid - last > v.stale_after:
            h += v.stale
        h += v.drops.get(t, 0.0)
        out[t] = min(h, 1.0)
    return out


def curve(h: np.ndarray, viewers: int, rng: np.random.Generator) -> list[float]:
    """Retention per second (len(h) + 1 values) from binomial leavers."""
    left = viewers
    out = [1.0]
    for p in h:
        left -= rng.binomial(left, p)
        out.append(left / viewers)
    return out


# ---- synthetic timelines -----------------------------------------------------------------------------------

def make_timeline(episode: int, shots: list[tuple[str, float, str]], lines: list[tuple[float, float, str, str]],
                  turns: list[float] = (), fps: int = 15, rate: int = 48000) -> Timeline:
    """``shots``: (id, seconds, size); ``lines``: (start s, seconds, speaker, text); stings at ``turns``."""
    tshots, pos = [], 0
    for i, (sid, secs, size) in enumerate(shots):
        n = max(1, round(secs * fps))
        tshots.append(TimelineShot(shot=Shot(id=sid, scene=1, size=size, text=f"shot {i}"), start=pos, frames=n))
        pos += n
    audio = [AudioClip(line=i, character=who, start=round(a * rate), samples=round(d * rate), key=f"k{i}")
             for i, (a, d, who, _t) in enumerate(lines)]
    cues = [Cue(start=round(a * fps), end=round((a + d) * fps), text=text, line=i)
            for i, (a, d, _w, text) in enumerate(lines)]
    stings = [StingCue(frame=round(t * fps), kind="hit") for t in turns]
    return Timeline(episode=episode, fps=fps, width=216, height=384, sample_rate=rate, frames=pos, shots=tshots,
                    audio=audio, cues=cues, stings=stings)


def plain_timeline(episode: int, seconds: int = 60, shot_seconds: float = 2.0, first_line: float = 1.0,
                   turns: list[float] = (), fps: int = 15) -> Timeline:
    """An episode of equal shots (alternating CU and MS) with a line every 3 s from ``first_line``."""
    count = int(round(seconds / shot_seconds))
    shots = [(f"s01-{i:03d}", shot_seconds, "CU" if i % 2 else "MS") for i in range(count)]
    lines, t, k = [], first_line, 0
    while t + 2.0 <= seconds:
        lines.append((t, 2.0, "MAYA" if k % 2 else "LEO", f"line {k}"))
        t, k = t + 3.0, k + 1
    return make_timeline(episode, shots, lines, turns, fps)


def write_timeline(root: Path, timeline: Timeline) -> Path:
    path = Path(root) / "build" / f"ep{timeline.episode:03d}.timeline.json"
    save_document(timeline, path)
    return path


def write_rows_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    lines = [",".join(header)] + [",".join(str(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def simulated_season(root: Path, rng: np.random.Generator, n_episodes: int, opening: float, stale: float,
                     viewers: int = 8000) -> tuple[list[list], list[list]]:
    """Episodes of 60 s whose first line and turn spacing vary, written as timelines under ``root``/build;
    returns (curve rows: episode, second, retention) and (episode rows: episode, plays, completion,
    next-episode rate) from simulated viewers with the ``opening`` and ``stale`` effects planted."""
    curves, rows = [], []
    for ep in range(1, n_episodes + 1):
        first_line = float(rng.uniform(0.5, 7.0))
        gap = float(rng.choice([10.0, 14.0, 18.0, 24.0, 30.0]))
        turns = list(np.arange(gap, 59.0, gap))
        write_timeline(root, plain_timeline(ep, 60, first_line=first_line, turns=turns))
        # one series' audience: the episodes differ a little in how fast viewers swipe away, and by the craft
        v = Viewers(base=rng.uniform(0.005, 0.007), early=rng.uniform(0.04, 0.06), early_tau=2.0, opening=opening,
                    stale=stale, stale_after=12.0)
        c = curve(hazards(60, v, first_line, turns), viewers, rng)
        curves += [[ep, s, round(r, 5)] for s, r in enumerate(c)]
        rows.append([ep, viewers, round(c[-1], 4), round(float(rng.uniform(0.7, 0.9)), 3)])
    return curves, rows


# ---- the demo's simulated numbers (docs/insights.md) ---------------------------------------------------------

DEMO_DROPS = {1: {"s02-e": 0.035, "s03-a02i": 0.03}, 2: {"s01-c01": 0.03, "s03-d03o": 0.04}}


def demo_metrics(root: Path, out_dir: Path, seed: int = 14) -> list[Path]:
    """Numbers for a 20-episode season whose first two episodes are the built demo: per-episode rows (English
    headers) and retention curves of episodes 1-3 (Chinese headers, percent), with drops planted on the
    shots named in DEMO_DROPS and an unplanned drop in episode 3 (not built)."""
    from reelwright.documents.base import load_document
    from reelwright.insights.craft import craft_of
    from reelwright.project.folder import Project

    project = Project.load(root)
    rng = np.random.default_rng(seed)
    cont = {k: float(np.clip(rng.normal(0.9, 0.015), 0.8, 0.95)) for k in range(1, 21)}
    cont[1], cont[7] = 0.72, 0.97  # many sample episode 1; episode 7 ends on the season's strongest cliffhanger
    plays, rows, curves = 120000.0, [], []
    for k in range(1, 21):
        viewers = int(plays)
        path = project.build_dir / f"ep{k:03d}.timeline.json"
        completion = float(rng.uniform(0.45, 0.6))
        if k <= 3:
            v = Viewers(base=0.007, early=0.05, early_tau=2.0, opening=0.02, stale=0.01, stale_after=12.0)
            first_line, turns, seconds = 1.0, [12.0, 24.0, 36.0, 48.0], 55
            if path.is_file():
                timeline = load_document(path, Timeline)
                measures, turns = craft_of(project, timeline)
                first_line, seconds = measures.get("first_line"), int(round(timeline.frames / timeline.fps))
                for ts in timeline.shots:
                    if ts.shot.id in DEMO_DROPS.get(k, {}):
                        v.drops[int(np.ceil(ts.start / timeline.fps))] = DEMO_DROPS[k][ts.shot.id]
            else:
                v.drops[20] = 0.03
            c = curve(hazards(seconds, v, first_line, turns), viewers, rng)
            curves += [[k, s, f"{r * 100:.2f}"] for s, r in enumerate(c)]
            completion = c[-1]
        unlock = f"{cont[k] * (0.02 + 0.05 * np.log(k)):.4f}" if k in (6, 10, 14) else ""
        rows.append([k, viewers, f"{completion:.3f}", f"{cont[k]:.3f}", unlock])
        plays = rng.binomial(viewers, cont[k])
    out_dir.mkdir(parents=True, exist_ok=True)
    return [write_rows_csv(out_dir / "demo-episodes.csv", ["episode", "plays", "completion_rate",
                                                           "next_episode_rate", "unlock_rate"], rows),
            write_rows_csv(out_dir / "demo-retention.csv", ["集数", "秒", "留存率"], curves)]


if __name__ == "__main__":  # python -m tests.insights_sim DEMO_DIR OUT_DIR: write the demo's numbers
    import sys

    for written in demo_metrics(Path(sys.argv[1]), Path(sys.argv[2])):
        print(written)

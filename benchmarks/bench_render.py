"""Render benchmark: a fixed 60-second episode against the encoder floor, plus memory.

Renders a fixed synthetic 60-s episode (every shot size, moves, dissolves,
subtitles, lip movement) through the real render stage from a cold cache, and,
in the same run, encodes the same number of frames of one still image with the
same encoder settings (the floor). Then renders a 180-s episode to show memory
does not grow with length. Last line, machine-readable:

    render/floor=R rtf=F peak_rss_mb=M

It also reports the encoder alone on the very frames the render produced
(decode+encode minus decode), since moving frames cost x264 about twice what
identical frames do: that is the floor any renderer of this timeline has.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from reelwright.documents.bible import Bible, Character, Look
from reelwright.documents.storyboard import Shot
from reelwright.documents.timeline import Cue, Timeline, TimelineShot
from reelwright.media.video import EncoderSettings, SegmentWriter, assemble
from reelwright.project.cache import Cache
from reelwright.project.settings import Settings
from reelwright.providers.image_comic import ComicImages
from reelwright.render.executors import render_segments
from reelwright.render.shots import shot_specs

SIZES = ["WS", "MCU", "CU", "MCU", "CU", "MS", "2S", "CU", "OTS", "ECU", "MCU", "CU"]
MOVES = ["push_in", "static", "static", "push_in", "static", "pan_right", "static", "shake", "static",
         "pull_out", "static", "tilt_up"]
NAMES = ["MAYA", "ETHAN", "VICTOR"]


def make_timeline(seconds: int, fps: int = 30) -> tuple[Timeline, Bible]:
    bible = Bible(characters=[Character(name=n, look=Look(seed=n)) for n in NAMES])
    shots, cues, pos, i = [], [], 0, 0
    total = seconds * fps
    while pos < total:
        size, move = SIZES[i % len(SIZES)], MOVES[i % len(MOVES)]
        frames = min([66, 75, 54, 90, 60][i % 5], total - pos)
        speaker = NAMES[i % 3]
        subjects = NAMES[:2] if size in ("WS", "2S", "OTS") else [speaker]
        shot = Shot(id=f"s{i // 12 + 1:02d}-{i % 12 + 1:02d}", scene=i // 12 + 1, size=size, move=move,
                    subjects=subjects, speaker=speaker, sides={NAMES[0]: "left", NAMES[1]: "right"},
                    location=["ROOFTOP", "LAW OFFICE", "APARTMENT"][(i // 12) % 3], interior=(i // 12) % 3 != 0,
                    night=(i // 12) % 2 == 0, expressions={speaker: ["neutral", "angry", "surprised"][i % 3]})
        mouth = [4] + [3, 2] * ((frames - 4) // 5)
        shots.append(TimelineShot(shot=shot, start=pos, frames=frames, mouth=mouth,
                                  fade_in=8 if (i % 12 == 0 and i) else 0))
        cues.append(Cue(start=pos + 4, end=pos + frames - 6, text="You told them\nI forged the contract."))
        pos += frames
        i += 1
    return Timeline(episode=1, frames=pos, shots=shots, cues=cues), bible


class PeakRSS:
    """Peak resident memory of this process and all its descendants, sampled every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree_rss(self) -> int:
        me = os.getpid()
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/status") as fh:
                    fields = dict(line.split(":", 1) for line in fh if ":" in line)
                parents[int(d)] = int(fields["PPid"])
                rss[int(d)] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
            except (OSError, KeyError, ValueError):
                continue
        total, todo = 0, [me]
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo += [p for p, pp in parents.items() if pp == pid]
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree_rss())
            time.sleep(0.05)

    def __enter__(self) -> "PeakRSS":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def render(seconds: int, workers: int, out: Path) -> tuple[float, int, float]:
    timeline, bible = make_timeline(seconds)
    settings = Settings()
    cache = Cache(out / f"cache{seconds}")
    specs = shot_specs(timeline, bible, settings, ComicImages().identity())
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        segments = render_segments(specs, cache, workers=workers)
        audio = np.zeros((round(timeline.frames / 30 * 48000), 2), np.float32)
        assemble(out / f"ep{seconds}.mp4", segments, audio)
        elapsed = time.perf_counter() - t0
    return elapsed, timeline.frames, mem.peak / 2**20


def floor(frames: int, out: Path) -> float:
    s = EncoderSettings()
    timeline, bible = make_timeline(3)
    still = ComicImages().still(timeline.shots[1].shot, {n: c.look for n, c in zip(NAMES, bible.characters)},
                                s.width, s.height, speaker_mouth_open=False)
    t0 = time.perf_counter()
    with SegmentWriter(out / "floor.mp4", s) as w:
        for _ in range(frames):
            w.write(still)
    return time.perf_counter() - t0


def moving_floor(video: Path, out: Path) -> float:
    """Encoder time for the very frames the render produced: (decode + encode) − decode alone."""
    import av  # noqa: PLC0415

    def decode_only() -> float:
        t0 = time.perf_counter()
        with av.open(str(video)) as c:
            for frame in c.decode(video=0):
                frame.to_ndarray()
        return time.perf_counter() - t0

    t_decode = decode_only()
    t0 = time.perf_counter()
    with av.open(str(video)) as c, SegmentWriter(out / "moving-floor.mp4", EncoderSettings()) as w:
        for frame in c.decode(video=0):
            w.write(frame.to_ndarray())
    return time.perf_counter() - t0 - t_decode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=0, help="render processes (0 = one per core)")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--long", type=int, default=180, help="length of the memory-growth episode (0 = skip)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="reelwright-bench-") as tmp:
        out = Path(tmp)
        t_render, frames, rss = render(args.seconds, args.workers, out)
        t_floor = floor(frames, out)
        t_moving = moving_floor(out / f"ep{args.seconds}.mp4", out)
        print(f"{args.seconds}-s episode: {frames} frames rendered in {t_render:.1f}s "
              f"({frames / t_render:.1f} fps); floor (still image, same encoder): {t_floor:.1f}s "
              f"({frames / t_floor:.1f} fps); peak RSS {rss:.0f} MB")
        print(f"encoder alone on the rendered frames themselves: {t_moving:.1f}s ({frames / t_moving:.1f} fps); "
              f"render / that = {t_render / t_moving:.2f}")
        if args.long:
            t_long, frames_long, rss_long = render(args.long, args.workers, out)
            print(f"{args.long}-s episode: {frames_long} frames in {t_long:.1f}s; peak RSS {rss_long:.0f} MB "
                  f"(growth vs {args.seconds}-s: {rss_long - rss:+.0f} MB)")
            rss = max(rss, rss_long)
        print(f"render/floor={t_render / t_floor:.2f} rtf={args.seconds / t_render:.2f} peak_rss_mb={rss:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Render benchmark: a fixed 60-second episode against the encoder on the very frames it produced, plus memory.

Renders a fixed synthetic 60-s episode (every shot size, moves, dissolves,
subtitles, lip movement) through the real render stage from a cold cache, and,
in the same run, x264 alone on the frames that render produced: each rendered
segment is decoded once into memory (untimed), then encoded again with the
same encoder settings, only the encoding timed. Moving frames cost x264 about
twice what identical frames do, so that is the floor any renderer of this
timeline has. ``--runs N`` repeats the pair and reports the median ratio, with
the machine's load average. Then renders a 180-s episode to show memory does
not grow with length. ``--profile`` renders once more in this process and
prints where each frame's time goes. ``--draft`` also builds the demo project
from a cold cache at full quality and as a draft (``build --draft``).
Last line, machine-readable:

    render/x264=R render/floor=F rtf=T peak_rss_mb=M [draft/full=D]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib.resources import files
from pathlib import Path

import av
import numpy as np

from reelwright.build.pipeline import build
from reelwright.documents.bible import Bible, Character, Look
from reelwright.documents.storyboard import Shot
from reelwright.documents.timeline import Cue, Timeline, TimelineShot
from reelwright.media import avatar, background, compose
from reelwright.media.text import render_text_layer
from reelwright.media.planes import Planes
from reelwright.media.video import EncoderSettings, SegmentWriter, assemble, rgb_to_i420
from reelwright.project.cache import Cache
from reelwright.project.folder import Project
from reelwright.project.settings import Settings
from reelwright.providers.image_comic import ComicImages
from reelwright.render.executors import LocalExecutor, render_segments
from reelwright.render.shots import encode_shot, prepare_planes, prepare_shot, shot_specs

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


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and its finished children (user + system): on a shared
    machine this is far steadier than wall time, since waiting for a core is not counted."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class PeakRSS:
    """Peak resident memory of this process and all its descendants, sampled every 50 ms."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
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
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self._stop.set()
            self._thread.join()


def render(seconds: int, workers: int, out: Path, profile: list | None = None, *,
           memory: bool = False) -> tuple[float, int, float, list, float]:
    """Render the ``seconds``-long episode from a cold cache in ``out``: (seconds, frames, peak MB, segments,
    CPU seconds). ``memory``: sample the peak RSS meanwhile (the sampler costs CPU: never in a timed run)."""
    timeline, bible = make_timeline(seconds)
    settings = Settings()
    cache = Cache(out / f"cache{seconds}")
    specs = shot_specs(timeline, bible, settings, ComicImages().identity())
    executor = LocalExecutor(workers, profile=profile)
    cold_caches()
    with PeakRSS(enabled=memory) as mem:
        t0, c0 = time.perf_counter(), cpu_seconds()
        segments = render_segments(specs, cache, executor=executor)
        audio = np.zeros((round(timeline.frames / 30 * 48000), 2), np.float32)
        assemble(out / f"ep{seconds}.mp4", segments, audio)
        elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    return elapsed, timeline.frames, mem.peak / 2**20, list(zip(specs, segments)), cpu


def render_rgb(seconds: int, out: Path) -> tuple[float, list, float]:
    """The previous renderer, for a before/after in the same run: RGB frames warped, overlaid and converted
    per frame (:func:`prepare_shot`), the next shot's stills drawn on a helper thread as the executor does."""
    timeline, bible = make_timeline(seconds)
    specs = shot_specs(timeline, bible, Settings(), ComicImages().identity())
    out.mkdir(parents=True, exist_ok=True)
    cold_caches()
    t0, c0 = time.perf_counter(), cpu_seconds()
    segments = []
    with ThreadPoolExecutor(max_workers=1) as drawer:
        ahead = drawer.submit(prepare_shot, specs[0])
        for n, spec in enumerate(specs):
            current = ahead
            ahead = drawer.submit(prepare_shot, specs[n + 1]) if n + 1 < len(specs) else None
            segments.append(Path(encode_shot(spec, current.result(), out / f"rgb{n:03d}.mp4")))
    assemble(out / f"rgb{seconds}.mp4", segments, np.zeros((round(timeline.frames / 30 * 48000), 2), np.float32))
    return time.perf_counter() - t0, list(zip(specs, segments)), cpu_seconds() - c0


# Drawing caches that would let a second render in this process skip work the first one did (avatar
# rasters, backgrounds): emptied before every timed render, so neither renderer profits from the other.
# The once-per-process costs (the style's schema check, fonts) stay paid, as in any long-running build.
_COLD = [avatar._render, background._render, compose._framed_background]


def cold_caches() -> None:
    for fn in _COLD:
        fn.cache_clear()


def warm_up() -> None:
    """Pay this process's one-off costs (the avatar style's schema check, fonts) before anything is timed."""
    timeline, bible = make_timeline(3)
    ComicImages().still(timeline.shots[1].shot, {n: c.look for n, c in zip(NAMES, bible.characters)}, 108, 192)
    render_text_layer(["warm"], 108, 12)


def floor(frames: int, out: Path) -> float:
    """x264 on one still image repeated (identical frames: an optimistic floor, kept for comparison)."""
    s = EncoderSettings(threads=Settings().render.threads)
    timeline, bible = make_timeline(3)
    still = ComicImages().still(timeline.shots[1].shot, {n: c.look for n, c in zip(NAMES, bible.characters)},
                                s.width, s.height, speaker_mouth_open=False)
    t0 = time.perf_counter()
    with SegmentWriter(out / "floor.mp4", s) as w:
        for _ in range(frames):
            w.write(still)
    return time.perf_counter() - t0


def x264_alone(segments: list, out: Path) -> tuple[float, float]:
    """Seconds x264 takes on the very frames the render produced, encoded the way the render encodes them
    (one segment per shot, the spec's encoder settings). Each segment is decoded into memory first, outside
    the timer, so nothing is subtracted and the figure is steady. Returns (wall, CPU) seconds."""
    total, cpu = 0.0, 0.0
    for spec, seg in dict((str(seg), (spec, seg)) for spec, seg in segments).values():  # a shot once
        with av.open(str(seg)) as c:
            frames = [f.to_ndarray(format="yuv420p") for f in c.decode(video=0)]
        enc = spec["encoder"]
        settings = EncoderSettings(enc["width"], enc["height"], enc["fps"], enc["crf"], enc["preset"],
                                   enc.get("threads", 0))
        t0, c0 = time.perf_counter(), cpu_seconds()
        with SegmentWriter(out / "x264-alone.mp4", settings) as w:
            for f in frames:
                w.write(f)
        total += time.perf_counter() - t0
        cpu += cpu_seconds() - c0
        del frames
    return total, cpu


def frame_cost(seconds: int) -> None:
    """CPU seconds of the work around the encoder, RGB path against I420 path, shot by shot, without x264:
    preparing each shot (drawing caches emptied first) and making every frame ready for the encoder (RGB:
    warp, overlays, conversion, the copy into an encoder frame; I420: drawing into the encoder's frame)."""
    timeline, bible = make_timeline(seconds)
    specs = shot_specs(timeline, bible, Settings(), ComicImages().identity())
    prep, frames = [0.0, 0.0], [0.0, 0.0]
    enc = specs[0]["encoder"]
    for spec in specs:
        cold_caches()
        c0 = time.process_time()
        old = prepare_shot(spec)
        c1 = time.process_time()
        for i in range(spec["frames"]):
            av.VideoFrame.from_ndarray(rgb_to_i420(old.frame(i)), format="yuv420p")
        c2 = time.process_time()
        cold_caches()
        c3 = time.process_time()
        new = prepare_planes(spec)
        c4 = time.process_time()
        vf = av.VideoFrame(enc["width"], enc["height"], "yuv420p")
        buf = Planes(*[np.frombuffer(p, np.uint8, count=p.line_size * p.height).reshape(p.height, p.line_size)
                       [:, :p.width] for p in vf.planes])
        for i in range(spec["frames"]):
            new.draw(i, buf)
        c5 = time.process_time()
        prep[0] += c1 - c0
        frames[0] += c2 - c1
        prep[1] += c4 - c3
        frames[1] += c5 - c4
    n = timeline.frames
    print(f"work around the encoder, CPU seconds for {seconds} s ({n} frames, {len(specs)} shots), no x264:")
    print(f"  {'':<34} {'RGB (before)':>13} {'I420 (now)':>11}")
    print(f"  {'preparing shots (stills, text)':<34} {prep[0]:13.2f} {prep[1]:11.2f}")
    print(f"  {'frames ready for the encoder':<34} {frames[0]:13.2f} {frames[1]:11.2f}")
    print(f"  {'  per frame, ms':<34} {1000 * frames[0] / n:13.2f} {1000 * frames[1] / n:11.2f}")


STAGES = [("prepare", "still preparation (helper thread: stills, text layers, conversion to planes)"),
          ("wait", "waiting for the helper thread"), ("warp", "warp (crop/scale Y, U, V)"),
          ("overlay", "text overlays"), ("fade", "dissolves"), ("convert", "conversion (clip frames)"),
          ("encode", "encoder hand-off (x264 encode + mux + flush)")]


def print_profile(profile: list[dict], elapsed: float) -> None:
    frames = sum(p.get("frames", 0) for p in profile)
    reused = sum(p.get("reused", 0) for p in profile)
    print(f"profile: {len(profile)} shots, {frames} frames in {elapsed:.1f}s ({frames / elapsed:.1f} fps); "
          f"{reused} frames ({100 * reused / max(frames, 1):.0f}%) re-sent unchanged")
    print(f"  {'stage':<72} {'total s':>8} {'ms/frame':>9}")
    for key, label in STAGES:
        t = sum(p.get(key, 0.0) for p in profile)
        print(f"  {label:<72} {t:8.2f} {1000 * t / max(frames, 1):9.2f}")
    main_thread = sum(p.get(k, 0.0) for p in profile for k in ("wait", "warp", "overlay", "fade", "convert",
                                                                 "encode"))
    print(f"  {'main thread, not in the encoder':<72} {main_thread - sum(p.get('encode', 0.0) for p in profile):8.2f}")
    print(f"  {'shot':<8} {'frames':>6} {'reused':>6} " + " ".join(f"{k:>8}" for k, _ in STAGES))
    for p in profile:
        print(f"  {p.get('shot', '?'):<8} {p.get('frames', 0):>6} {p.get('reused', 0):>6} "
              + " ".join(f"{p.get(k, 0.0):8.3f}" for k, _ in STAGES))


def draft_vs_full(out: Path, episodes: str) -> tuple[float, float]:
    """Seconds to build the demo project from a cold cache at full quality, then as a draft (fresh copies)."""
    times, cpus = [], []
    for draft in (False, True):
        root = out / ("demo-draft" if draft else "demo-full")
        shutil.copytree(str(files("reelwright") / "samples" / "demo"), root)
        cold_caches()
        t0, c0 = time.perf_counter(), cpu_seconds()
        build(Project.load(root), episodes, quiet=True, draft=draft)
        times.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
    print(f"  CPU seconds: full {cpus[0]:.1f}, draft {cpus[1]:.1f}, draft / full = {cpus[1] / cpus[0]:.2f}")
    return times[0], times[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=0, help="render processes (0 = one per two cores)")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--runs", type=int, default=3, help="render + x264-alone pairs; the median ratio is reported")
    ap.add_argument("--long", type=int, default=180, help="length of the memory-growth episode (0 = skip)")
    ap.add_argument("--profile", action="store_true", help="render once more in this process (one worker) and "
                    "print where the time goes, per frame and per shot")
    ap.add_argument("--draft", action="store_true", help="also build the demo project from a cold cache, full "
                    "quality and --draft, and print draft/full")
    ap.add_argument("--draft-episodes", default="1", help="demo episodes for --draft (default 1)")
    ap.add_argument("--before", action="store_true", help="also time the previous (RGB) renderer in each run, "
                    "against x264 alone on its own frames")
    ap.add_argument("--frame-cost", type=int, default=0, metavar="SECONDS", help="also print the CPU cost of the "
                    "work around the encoder (shot preparation, frames) for an episode this long, RGB path against "
                    "I420 path, without x264")
    args = ap.parse_args()
    load0 = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}")
    warm_up()
    with tempfile.TemporaryDirectory(prefix="reelwright-bench-") as tmp:
        out = Path(tmp)
        ratios, renders, alones, rss, before, cpu_ratios, before_cpu = [], [], [], 0.0, [], [], []

        def rgb_run(folder: Path) -> None:
            t_rgb, rgb_segments, c_rgb = render_rgb(args.seconds, folder / "rgb")
            t_rgb_alone, c_rgb_alone = x264_alone(rgb_segments, folder)
            before.append(t_rgb / t_rgb_alone)
            before_cpu.append(c_rgb / c_rgb_alone)
            print(f"  before (RGB renderer): {t_rgb:.1f}s; x264 alone on its frames {t_rgb_alone:.1f}s; "
                  f"render / x264 = {t_rgb / t_rgb_alone:.2f} (CPU {c_rgb:.1f}s / {c_rgb_alone:.1f}s = "
                  f"{c_rgb / c_rgb_alone:.2f}); load {os.getloadavg()[0]:.2f}", flush=True)
        for run in range(args.runs):
            folder = out / f"run{run}"
            folder.mkdir()
            if args.before and run % 2:  # alternate which renderer goes first: warm caches favour the second
                rgb_run(folder)
            t_render, frames, peak, segments, c_render = render(args.seconds, args.workers, folder)
            t_alone, c_alone = x264_alone(segments, folder)
            ratios.append(t_render / t_alone)
            cpu_ratios.append(c_render / c_alone)
            renders.append(t_render)
            alones.append(t_alone)
            rss = max(rss, peak)
            print(f"run {run + 1}: {frames} frames rendered in {t_render:.1f}s ({frames / t_render:.1f} fps); "
                  f"x264 alone on those frames {t_alone:.1f}s ({frames / t_alone:.1f} fps); "
                  f"render / x264 = {t_render / t_alone:.2f} (CPU {c_render:.1f}s / {c_alone:.1f}s = "
                  f"{c_render / c_alone:.2f}); load {os.getloadavg()[0]:.2f}", flush=True)
            if args.before and not run % 2:
                rgb_run(folder)
            shutil.rmtree(folder, ignore_errors=True)
        t_render, t_alone, ratio = (float(np.median(v)) for v in (renders, alones, ratios))
        t_floor = floor(frames, out)
        print(f"{args.seconds}-s episode, median of {args.runs}: render {t_render:.1f}s, x264 alone on its frames "
              f"{t_alone:.1f}s, render / x264 = {ratio:.2f} (runs: {', '.join(f'{r:.2f}' for r in ratios)}); "
              f"still-image floor {t_floor:.1f}s ({frames / t_floor:.1f} fps)")
        print(f"  CPU seconds, render / x264 alone: median {float(np.median(cpu_ratios)):.2f} "
              f"(runs: {', '.join(f'{r:.2f}' for r in cpu_ratios)})")
        if before:
            print(f"before (RGB renderer), median of {len(before)}: render / x264 = {float(np.median(before)):.2f} "
                  f"(runs: {', '.join(f'{r:.2f}' for r in before)}); CPU seconds: "
                  f"{float(np.median(before_cpu)):.2f} (runs: {', '.join(f'{r:.2f}' for r in before_cpu)})")
        if args.frame_cost:
            frame_cost(args.frame_cost)
        if args.profile:
            profile: list[dict] = []
            folder = out / "profile"
            folder.mkdir()
            t_prof, _, _, _, _ = render(args.seconds, 1, folder, profile)
            print_profile(profile, t_prof)
        if args.long:  # memory, in runs of their own (the sampler's CPU must not count against a timed run)
            _, _, rss, _, _ = render(args.seconds, args.workers, out / "mem-short", memory=True)
            t_long, frames_long, rss_long, _, _ = render(args.long, args.workers, out / "mem-long", memory=True)
            print(f"peak RSS of the process tree: {args.seconds}-s episode {rss:.0f} MB, {args.long}-s episode "
                  f"{rss_long:.0f} MB (growth {rss_long - rss:+.0f} MB)")
            rss = max(rss, rss_long)
        tail = ""
        if args.draft:
            t_full, t_draft = draft_vs_full(out, args.draft_episodes)
            print(f"demo episode(s) {args.draft_episodes} from a cold cache: full {t_full:.1f}s, draft "
                  f"{t_draft:.1f}s, draft / full = {t_draft / t_full:.2f}")
            tail = f" draft/full={t_draft / t_full:.2f}"
        load1 = os.getloadavg()
        print(f"load average at the end: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
        print(f"render/x264={ratio:.2f} render/x264_cpu={float(np.median(cpu_ratios)):.2f} "
              f"render/floor={t_render / t_floor:.2f} rtf={args.seconds / t_render:.2f} peak_rss_mb={rss:.0f}{tail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Season benchmark: a 10-episode season built cold and after a one-line edit, 1 vs 2 workers, and MoviePy 2.

1. Writes a 10-episode English season of ~60-s episodes (Fountain, from a fixed
   template with varied scenes, characters and lines: every episode differs)
   into a temporary project at the default video settings (1080×1920, 30 fps).
2. Builds it cold with 1 worker (fresh cache: voices, boards, mixes, renders,
   assembly and the self-check), edits one line of dialogue in one episode and
   rebuilds; then builds a fresh copy cold with 2 workers (and its edit).
   The time of each stage is measured by wrapping the stage functions the
   build calls (voice, mix, render, assemble, check; the rest is "other").
3. The baseline a user would otherwise pick: episode 1's cut (its
   ``build/ep001.timeline.json``) written the idiomatic way in MoviePy 2 — one
   ``ImageClip`` per shot (one per mouth-open/closed run, so the lips move as
   in ours) from the very stills our renderer draws, the camera move as
   ``resized(lambda t: …)`` + ``with_position(lambda t: …)`` following our
   ``Camera``, ``CrossFadeIn`` for dissolves, ``TextClip`` subtitles at the cue
   times, ``CompositeVideoClip``, the episode's mix as ``AudioFileClip``, and
   ``write_videofile`` with our encoder settings (libx264 High yuv420p, same
   crf and preset, AAC 48 kHz 192 kb/s). Drawing the stills is counted in both
   (ours draws them inside the render stage). Ours: the same episode's render
   (fresh render cache, 1 worker) + assemble with the same mix.

Prints a table, then exactly one machine-readable last line:

    moviepy/ours=R edit/cold=E workers2/workers1=W

R = MoviePy time / our time for the episode; E = edit rebuild / cold build
(1 worker); W = cold build with 2 workers / cold build with 1 worker.

    python benchmarks/bench_season.py [--episodes 10] [--seconds 60] [--width 1080 --height 1920]
                                      [--skip-moviepy] [--skip-workers2] [--json PATH] [--keep DIR]

Smoke run (a few minutes): ``--episodes 2 --seconds 20 --width 270 --height 480``.
MoviePy is a benchmark-only dependency: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# ---- the season: Fountain scripts from a fixed template -----------------------------------------------------

LEAD = "MAYA"
CAST = ["ETHAN", "VICTOR", "LENA", "OWEN", "GRACE", "JULIAN", "NORA"]
AGES = {"MAYA": 28, "ETHAN": 30, "VICTOR": 60, "LENA": 26, "OWEN": 35, "GRACE": 52, "JULIAN": 33, "NORA": 24}
LOCATIONS = [("EXT.", "CITY ROOFTOP", "NIGHT"), ("INT.", "LAW OFFICE", "DAY"), ("INT.", "MAYA'S APARTMENT", "NIGHT"),
             ("INT.", "HOSPITAL CORRIDOR", "NIGHT"), ("EXT.", "PARKING GARAGE", "NIGHT"), ("INT.", "BALLROOM", "NIGHT"),
             ("INT.", "CORNER CAFE", "DAY"), ("EXT.", "HARBOR PIER", "DAY"), ("INT.", "BOARDROOM", "DAY"),
             ("INT.", "CHEN FAMILY KITCHEN", "NIGHT"), ("EXT.", "CEMETERY", "DAY"), ("INT.", "HOTEL SUITE", "NIGHT")]
ACTIONS = ["Rain hammers the glass. {a} waits with her arms crossed.",
           "{b} steps out of the shadows and blocks the door.",
           "{a} slams a folder on the table.",
           "{a} tears open an envelope. Inside: a photo of her father.",
           "{b} slides a contract across the table.",
           "{a}'s phone buzzes. A message from {b}.",
           "{b} holds up a diamond ring and smiles.",
           "The lights flicker. {a} turns, startled.",
           "{b} pours two glasses of wine and does not drink.",
           "{a} finds a letter hidden under the floorboard."]
PARENS = ["angry", "coldly", "whispering", "shocked", "smug", "shaking", "smiling", "crying", None, None, None]
LINES = [
    "You told them I forged the contract.", "I told them the truth.", "The truth? You signed it with me!",
    "Then prove it.", "Back so soon?", "You stole my company.", "He isn't my son.", "What?!",
    "Who paid for your wedding?", "He bought your father's debts.", "Dad? You're alive?",
    "Sign it, or he disappears again.", "Then I'll take everything from you.", "You were never supposed to find that.",
    "I kept the recording. All of it.", "Do you think a ring makes us even?", "My mother knew, didn't she?",
    "Leave the city tonight.", "I'm not afraid of you anymore.", "You forged my name on the deed.",
    "The board votes at nine tomorrow.", "She was the one who called the police.", "Why did you lie to me?",
    "Because the truth would have killed you.", "I saw you at the hospital.", "That photo changes nothing.",
    "It changes everything.", "You owe me three years.", "I never loved him.", "Then why are you crying?",
    "Open the safe. Now.", "The money was never missing.", "Someone inside the firm sold us out.",
    "You have one hour.", "I remember the fire.", "Don't touch my daughter.", "I'm done being your secret.",
    "The will names me, not you.", "Give me the key.", "He's waiting downstairs.", "Then let him wait.",
    "You knew my father?", "We were partners once.", "Partners don't disappear.", "I had no choice.",
    "There is always a choice.", "Check the last page.", "That's not my signature.", "It is now.",
    "Who else knows?", "Only you and the dead.", "I want the shares back.", "Name your price.",
    "You can't afford my price.", "The wedding is off.", "Tell my brother I said goodbye.",
    "Are you threatening me?", "I'm warning you.", "Find her before he does.", "It's too late for sorry.",
]
EDIT_TEXT = "We talk tomorrow at nine."  # short: the board keeps one shot for it (no split)
# The writer's length estimate (stages.write_plan.estimate_seconds) runs long for these short lines: Piper says
# them faster than its 2.7 words/s. Measured on this template, built ≈ estimate / 1.27; scripts aim at that.
ESTIMATE_SCALE = 1.27


@dataclass
class SeasonScript:
    number: int
    text: str
    dialogue_rows: list[int] = field(default_factory=list)  # 0-based rows of dialogue text lines in ``text``


def _estimate(text: str) -> float:
    from reelwright.screenplay import parse_text  # noqa: PLC0415
    from reelwright.writing.plan import estimate_seconds  # noqa: PLC0415

    return estimate_seconds(parse_text(text).episodes[0])


def make_script(number: int, seconds: float) -> SeasonScript:
    """Episode ``number``: 3–4 scenes, the lead and two others, lines added until it should build to ``seconds``."""
    seconds *= ESTIMATE_SCALE
    rng = random.Random(number * 7919)
    others = rng.sample(CAST, 2)
    n_scenes = 3 + number % 2
    places = rng.sample(LOCATIONS, n_scenes)
    order = rng.sample(range(len(LINES)), len(LINES))
    head = ["Title: The Last Signature", f"Episode: {number}", "Author: reelwright season benchmark", ""]
    scenes: list[list[str]] = []
    rows: list[list[int]] = []
    for s, (ie, place, tod) in enumerate(places):
        a, b = LEAD, others[s % 2]
        action = rng.choice(ACTIONS).format(a=a.title(), b=b.title())
        intro = f"{a}, {AGES[a]}, and {b}, {AGES[b]}, face each other." if s == 0 else action
        scenes.append([f"{ie} {place} - {tod}", "", intro, ""] + ([action, ""] if s == 0 else []))
        rows.append([])
    used, scene, last = 0, 0, None

    def text_of() -> tuple[str, list[int]]:
        out, dial = list(head), []
        for sc, rs in zip(scenes, rows):
            dial += [len(out) + r for r in rs]
            out += sc
        return "\n".join(out) + "\n", dial

    while True:
        speakers = [LEAD, others[scene % 2]] if scene != n_scenes - 1 else [LEAD, *others]
        who = rng.choice([p for p in speakers if p != last])
        last = who
        line = LINES[order[used % len(order)]]
        used += 1
        paren = rng.choice(PARENS)
        block = [who] + ([f"({paren})"] if paren else [])
        rows[scene].append(len(scenes[scene]) + len(block))
        scenes[scene] += block + [line, ""]
        text, dial = text_of()
        est = _estimate(text)
        if est >= seconds:
            return SeasonScript(number, text, dial)
        if est >= seconds * (scene + 1) / n_scenes and scene < n_scenes - 1:
            scene += 1
            last = None


def edit_script(script: SeasonScript) -> tuple[SeasonScript, str, str]:
    """One line of dialogue rewritten, the edit a writer makes between two builds: the middle one of the plain
    lines (no emotion, no reversal or reveal), so the board keeps its shots and only that line's change."""
    from reelwright.screenplay import parse_text  # noqa: PLC0415
    from reelwright.stages.coverage import is_strong, is_turn  # noqa: PLC0415

    dialogue = parse_text(script.text).episodes[0].dialogue()
    plain = [i for i, d in enumerate(dialogue) if not is_strong(d) and not is_turn(d)] or list(range(len(dialogue)))
    lines = script.text.split("\n")
    row = script.dialogue_rows[plain[len(plain) // 2]]
    old = lines[row]
    lines[row] = EDIT_TEXT
    return SeasonScript(script.number, "\n".join(lines), script.dialogue_rows), old, EDIT_TEXT


def write_project(root: Path, scripts: list[SeasonScript], width: int, height: int) -> Path:
    from reelwright.project.folder import new_project  # noqa: PLC0415

    new_project(root, "en", "Season benchmark")
    for p in (root / "scripts").iterdir():
        p.unlink()
    toml = root / "reelwright.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace("width = 1080\n", f"width = {width}\n").replace("height = 1920\n", f"height = {height}\n")
    toml.write_text(text, encoding="utf-8")
    for s in scripts:
        (root / "scripts" / f"ep{s.number:03d}.fountain").write_text(s.text, encoding="utf-8")
    return root


# ---- timing the build's stages ------------------------------------------------------------------------------

# patched where the build looks them up: the pipeline module's own names
STAGES = [("voice", "reelwright.build.pipeline", "voice_episode"), ("mix", "reelwright.build.pipeline", "_mix"),
          ("render", "reelwright.build.pipeline", "render_segments"),
          ("assemble", "reelwright.build.pipeline", "_assemble_within_ceiling"),
          ("check", "reelwright.build.pipeline", "check_episode")]


@contextlib.contextmanager
def stage_clock():
    """Seconds spent in each stage function the build calls (a measuring instrument: restored on exit)."""
    import importlib  # noqa: PLC0415

    spent: Counter[str] = Counter()
    saved = []
    for name, module, attr in STAGES:
        mod = importlib.import_module(module)
        fn = getattr(mod, attr)

        def timed(*a, _fn=fn, _name=name, **k):
            t0 = time.perf_counter()
            try:
                return _fn(*a, **k)
            finally:
                spent[_name] += time.perf_counter() - t0

        saved.append((mod, attr, fn))
        setattr(mod, attr, timed)
    try:
        yield spent
    finally:
        for mod, attr, fn in saved:
            setattr(mod, attr, fn)


@dataclass
class Run:
    label: str
    seconds: float
    work: dict
    stages: dict


def _timed_build(root: Path, workers: int, label: str) -> Run:
    from reelwright.build.pipeline import build  # noqa: PLC0415
    from reelwright.project.folder import Project  # noqa: PLC0415

    with stage_clock() as spent:
        t0 = time.perf_counter()
        report = build(Project.load(root), None, workers=workers, quiet=True)
        elapsed = time.perf_counter() - t0
    stages = {k: round(spent[k], 2) for k, _, _ in STAGES}
    stages["other"] = round(elapsed - sum(spent.values()), 2)
    return Run(label, elapsed, dict(report.work), stages)


def timed_build(root: Path, workers: int, label: str) -> Run:
    """One build in a fresh Python process, as ``reelwright build`` runs: nothing warm from the builds before
    (the voice model loads again, lazy imports run again); only the interpreter's start is not counted."""
    import multiprocessing  # noqa: PLC0415
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_timed_build, root, workers, label).result()


def lock_keys(root: Path) -> dict[str, str]:
    """Every artifact the lock file names → the key it was made from."""
    from reelwright.documents.base import load_document  # noqa: PLC0415
    from reelwright.documents.lock import Lock  # noqa: PLC0415

    return {k: e.key for k, e in load_document(root / "reelwright.lock", Lock).artifacts.items()}


def durations(root: Path, numbers: list[int]) -> dict[int, float]:
    from reelwright.media.video import probe  # noqa: PLC0415

    out = {}
    for n in numbers:
        info = probe(root / "build" / f"ep{n:03d}.mp4")
        out[n] = round(info["video"]["frames"] / info["video"]["fps"], 2)
    return out


# ---- the episode, ours vs MoviePy ---------------------------------------------------------------------------

def episode_inputs(root: Path, number: int):
    """The built episode's timeline, its render specs (what our renderer draws) and its mix WAV."""
    from reelwright.documents.base import load_document  # noqa: PLC0415
    from reelwright.documents.lock import Lock  # noqa: PLC0415
    from reelwright.documents.timeline import Timeline  # noqa: PLC0415
    from reelwright.project.folder import Project  # noqa: PLC0415
    from reelwright.providers.registry import get_provider  # noqa: PLC0415
    from reelwright.render.shots import shot_specs  # noqa: PLC0415

    project = Project.load(root)
    timeline = load_document(root / "build" / f"ep{number:03d}.timeline.json", Timeline)
    s = project.settings
    image = get_provider(f"image:{s.providers.image}", s.providers.options.get(s.providers.image))
    specs = shot_specs(timeline, project.bible, s, image.identity())
    lock = load_document(project.lock_path, Lock)
    mix = Path(lock.artifacts[f"ep{number:03d}/mix"].outputs[0])
    return project, timeline, specs, mix


def render_ours(timeline, specs, mix: Path, out: Path, workers: int = 1) -> float:
    """Our render + assemble of one episode from a fresh render cache (the mix is already made)."""
    from reelwright.media.audio import read_wav  # noqa: PLC0415
    from reelwright.media.video import assemble  # noqa: PLC0415
    from reelwright.project.cache import Cache  # noqa: PLC0415
    from reelwright.render.executors import render_segments  # noqa: PLC0415

    t0 = time.perf_counter()
    segments = render_segments(specs, Cache(out.parent / "ours-cache"), workers=workers)
    assemble(out, segments, read_wav(mix).samples, timeline.sample_rate)
    return time.perf_counter() - t0


def draw_stills(specs) -> list[tuple]:
    """(mouth closed, mouth open) stills per shot, through the renderer's own drawing path."""
    from reelwright.media.frames import Camera  # noqa: PLC0415
    from reelwright.render.shots import _stills  # noqa: PLC0415

    out = []
    for spec in specs:
        enc = spec["encoder"]
        out.append(_stills(spec["still"], Camera(spec["move"], enc["width"], enc["height"], spec["seed"])))
    return out


def _runs(mouth, frames: int, fade_in: int) -> list[tuple[int, int, bool]]:
    """(first frame, frame count, mouth open) runs of one shot, split at the end of its dissolve."""
    from reelwright.media.frames import expand_runs  # noqa: PLC0415

    states = expand_runs(mouth, frames)
    cuts = sorted({0, frames, *([fade_in] if 0 < fade_in < frames else []),
                   *(i for i in range(1, frames) if states[i] != states[i - 1])})
    return [(a, b - a, bool(states[a])) for a, b in zip(cuts, cuts[1:])]


def moviepy_episode(timeline, specs, stills, mix: Path | None):
    """The episode as an idiomatic MoviePy 2 composite (nothing is written)."""
    from moviepy import AudioFileClip, CompositeVideoClip, ImageClip, TextClip, vfx  # noqa: PLC0415

    from reelwright.media.frames import Camera  # noqa: PLC0415
    from reelwright.media.text import font_path  # noqa: PLC0415
    from reelwright.render.shots import CAPTION_TOP, SUBTITLE_BOTTOM  # noqa: PLC0415

    W, H, fps = timeline.width, timeline.height, timeline.fps
    clips = []

    def camera_clip(img, cam: Camera, start: int, count: int, first: int, span: int):
        """``img`` from shot frame ``first`` for ``count`` frames, moved as ``cam`` moves (progress over ``span``)."""
        clip = ImageClip(img).with_start(start / fps).with_duration(count / fps)
        if cam.matrix(0.0, 0) is None:  # static: the still is the frame
            return clip.with_position((0, 0))

        def m(t):
            i = first + t * fps
            return cam.matrix(i / span, int(round(i)))

        if cam.move in ("push_in", "pull_out"):
            clip = clip.resized(lambda t: m(t)[0, 0])
        return clip.with_position(lambda t: (m(t)[0, 2], m(t)[1, 2]))

    for ts, spec, (closed, opened) in zip(timeline.shots, specs, stills):
        cam = Camera(spec["move"], W, H, spec["seed"])
        span = max(ts.frames - 1, 1)
        nxt = timeline.shots.index(ts) + 1
        tail = timeline.shots[nxt].fade_in if nxt < len(timeline.shots) else 0
        for first, count, open_ in _runs(ts.mouth, ts.frames, ts.fade_in):
            clip = camera_clip(opened if open_ else closed, cam, ts.start + first, count, first, span)
            if first == 0 and ts.fade_in:
                clip = clip.with_effects([vfx.CrossFadeIn(ts.fade_in / fps)])
            clips.append(clip)
        if tail:  # the next shot dissolves over this one's continuing move
            clips.append(camera_clip(closed, cam, ts.start + ts.frames, tail, ts.frames, span).with_layer_index(-1))
    font = str(font_path())
    size = round(H * 0.034)
    for cue in timeline.cues:
        if cue.end <= cue.start:
            continue
        txt = TextClip(font=font, text=cue.text, font_size=size, color="white", stroke_color="black",
                       stroke_width=max(2, size // 9), method="label", text_align="center", margin=(size // 2, size // 3))
        clips.append(txt.with_start(cue.start / fps).with_duration((cue.end - cue.start) / fps)
                     .with_position(("center", round(H * SUBTITLE_BOTTOM) - txt.h)))
    for ts in timeline.shots:
        if ts.shot.caption and ts.shot.size != "INSERT":
            cap = TextClip(font=font, text=ts.shot.caption, font_size=round(H * 0.032), color="white",
                           bg_color="black", method="label", margin=(size, size // 2))
            clips.append(cap.with_start(ts.start / fps).with_duration(ts.frames / fps)
                         .with_position(("center", round(H * CAPTION_TOP))))
    video = CompositeVideoClip(clips, size=(W, H)).with_duration(timeline.frames / fps)
    if mix is not None:
        video = video.with_audio(AudioFileClip(str(mix)))
    return video


def render_moviepy(timeline, specs, mix: Path, out: Path, crf: int, preset: str) -> tuple[float, float]:
    """(seconds drawing the stills, seconds building the composite and writing it)."""
    t0 = time.perf_counter()
    stills = draw_stills(specs)
    t1 = time.perf_counter()
    video = moviepy_episode(timeline, specs, stills, mix)
    video.write_videofile(str(out), fps=timeline.fps, codec="libx264", preset=preset, audio_codec="aac",
                          audio_fps=timeline.sample_rate, audio_bitrate="192k",
                          ffmpeg_params=["-crf", str(crf), "-pix_fmt", "yuv420p", "-profile:v", "high"],
                          temp_audiofile_path=str(out.parent), logger=None)
    video.close()
    return t1 - t0, time.perf_counter() - t1


# ---- the run ------------------------------------------------------------------------------------------------

def _fmt_work(work: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in work.items() if v) or "nothing"


def _machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    return f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, load {load[0]:.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--episodes", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=60.0, help="target length of each episode")
    ap.add_argument("--width", type=int, default=1080)
    ap.add_argument("--height", type=int, default=1920)
    ap.add_argument("--skip-moviepy", action="store_true")
    ap.add_argument("--skip-workers2", action="store_true", help="skip the cold build with 2 workers")
    ap.add_argument("--json", type=Path, help="also write the results here as JSON")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    args = ap.parse_args(argv)

    tmp_ctx = contextlib.nullcontext(str(args.keep)) if args.keep else tempfile.TemporaryDirectory(
        prefix="reelwright-season-")
    with tmp_ctx as tmp:
        work = Path(tmp)
        if args.keep:
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
        numbers = list(range(1, args.episodes + 1))
        scripts = [make_script(n, args.seconds) for n in numbers]
        edited_n = numbers[len(numbers) // 2]
        edited, old, new = edit_script(scripts[edited_n - 1])
        print(f"machine: {_machine()}", file=sys.stderr)
        log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
        results: dict = {"episodes": args.episodes, "target_seconds": args.seconds,
                         "size": [args.width, args.height], "fps": 30, "machine": _machine(),
                         "estimates": {n: round(_estimate(s.text), 1) for n, s in zip(numbers, scripts)},
                         "edit": {"episode": edited_n, "old": old, "new": new}}
        runs: list[Run] = []

        def season(label: str, workers: int) -> Path:
            root = write_project(work / label, scripts, args.width, args.height)
            log(f"[{label}] cold build, {workers} worker(s) …")
            runs.append(timed_build(root, workers, f"cold, {workers} worker(s)"))
            log(f"[{label}] edit ep{edited_n:03d}: {old!r} → {new!r}; rebuild …")
            before = lock_keys(root)
            (root / "scripts" / f"ep{edited_n:03d}.fountain").write_text(edited.text, encoding="utf-8")
            runs.append(timed_build(root, workers, f"edit, {workers} worker(s)"))
            after = lock_keys(root)
            results.setdefault("edit_changed", sorted(k for k, v in after.items() if before.get(k) != v))
            return root

        root1 = season("w1", 1)
        results["durations"] = durations(root1, numbers)
        if not args.skip_workers2:
            season("w2", 2)

        if not args.skip_moviepy:
            from reelwright.media.video import probe  # noqa: PLC0415

            project, timeline, specs, mix = episode_inputs(root1, numbers[0])
            v = project.settings.video
            log(f"[episode] ours: render + assemble ep{numbers[0]:03d} ({timeline.frames} frames) …")
            ours_out = work / "ours" / "episode.mp4"
            ours_out.parent.mkdir()
            t_ours = render_ours(timeline, specs, mix, ours_out)
            log("[episode] MoviePy 2 …")
            mp_out = work / "moviepy" / "episode.mp4"
            mp_out.parent.mkdir()
            t_draw, t_write = render_moviepy(timeline, specs, mix, mp_out, v.crf, v.preset)
            results["episode"] = {"number": numbers[0], "frames": timeline.frames, "shots": len(timeline.shots),
                                  "ours_s": round(t_ours, 2), "moviepy_s": round(t_draw + t_write, 2),
                                  "moviepy_draw_s": round(t_draw, 2), "moviepy_write_s": round(t_write, 2),
                                  "ours_probe": probe(ours_out, count_frames=True),
                                  "moviepy_probe": probe(mp_out, count_frames=True),
                                  "ours_bytes": ours_out.stat().st_size, "moviepy_bytes": mp_out.stat().st_size}

        results["runs"] = [r.__dict__ for r in runs]
        cold1, edit1 = runs[0], runs[1]
        cold2 = runs[2] if len(runs) > 2 else None
        R = results["episode"]["moviepy_s"] / results["episode"]["ours_s"] if "episode" in results else float("nan")
        E = edit1.seconds / cold1.seconds
        W = cold2.seconds / cold1.seconds if cold2 else float("nan")
        results["ratios"] = {"moviepy/ours": round(R, 3), "edit/cold": round(E, 3), "workers2/workers1": round(W, 3)}

        # ---- the table ----
        total_est = sum(results["durations"].values())
        print(f"season: {args.episodes} episodes at {args.width}×{args.height} 30 fps, "
              f"{total_est:.0f} s of video; {_machine()}")
        print("built durations (s): " + ", ".join(f"ep{n:03d} {d:.1f}" for n, d in results["durations"].items()))
        print(f"edit: ep{edited_n:03d} {old!r} → {new!r}; remade: {', '.join(results['edit_changed'])}")
        cols = [k for k, _, _ in STAGES] + ["other"]
        print(f"{'build':<22}{'seconds':>9}{'× realtime':>12}  " + "".join(f"{c:>9}" for c in cols) + "  redone")
        for r in runs:
            print(f"{r.label:<22}{r.seconds:>9.1f}{total_est / r.seconds:>12.2f}  "
                  + "".join(f"{r.stages[c]:>9.1f}" for c in cols) + f"  {_fmt_work(r.work)}")
        if "episode" in results:
            ep = results["episode"]
            op, mp = ep["ours_probe"]["video"], ep["moviepy_probe"]["video"]
            print(f"episode ep{ep['number']:03d}: {ep['frames']} frames, {ep['shots']} shots")
            print(f"  ours    render+assemble {ep['ours_s']:>7.1f} s  {op['codec']} {op['profile']} {op['pix_fmt']} "
                  f"{op['width']}×{op['height']} {op['decoded_frames']} frames, {ep['ours_bytes'] / 1e6:.1f} MB")
            print(f"  MoviePy draw+write      {ep['moviepy_s']:>7.1f} s  {mp['codec']} {mp['profile']} "
                  f"{mp['pix_fmt']} {mp['width']}×{mp['height']} {mp['decoded_frames']} frames, "
                  f"{ep['moviepy_bytes'] / 1e6:.1f} MB (drawing {ep['moviepy_draw_s']:.1f} s)")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
        print(f"moviepy/ours={R:.2f} edit/cold={E:.2f} workers2/workers1={W:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

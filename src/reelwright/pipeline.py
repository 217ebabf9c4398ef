"""The stage graph for one build: board → voice → cut → mix → render → assemble.

Every stage's result is cached by a hash of its inputs; a build with nothing
changed does no stage work and says so. Work is counted in ``Cache.work``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from reelwright.cache import Cache, make_key
from reelwright.documents.base import atomic_write_text, save_document
from reelwright.documents.storyboard import Storyboard
from reelwright.documents.timeline import Timeline
from reelwright.progress import Progress
from reelwright.project import Project, parse_episode_spec

__all__ = ["build", "BuildReport", "episode_outputs", "CODEC_HEADROOM_DB"]

CODEC_HEADROOM_DB = 0.5


@dataclass
class BuildReport:
    episodes: list[int]
    work: dict[str, int] = field(default_factory=dict)
    outputs: dict[int, dict[str, str]] = field(default_factory=dict)

    @property
    def nothing_done(self) -> bool:
        return not any(self.work.values())

    def summary(self) -> str:
        if self.nothing_done:
            return f"nothing to rebuild: {len(self.episodes)} episode(s) up to date"
        parts = [f"{stage} {n}" for stage, n in self.work.items() if n]
        return "rebuilt: " + ", ".join(parts)


def episode_outputs(project: Project, number: int) -> dict[str, Path]:
    stem = project.build_dir / f"ep{number:03d}"
    return {"video": stem.with_suffix(".mp4"), "srt": stem.with_suffix(".srt"),
            "timeline": project.build_dir / f"ep{number:03d}.timeline.json"}


def _log(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def make_board(project: Project, number: int, cache: Cache) -> Storyboard:
    """The episode's board: freshly derived from the script, merged with the user's edits, saved."""
    from reelwright.documents.base import load_document  # noqa: PLC0415
    from reelwright.stages.board import board_episode, merge_board  # noqa: PLC0415

    src = project.episodes[number]
    fresh = board_episode(src.episode, project.bible, night_of=project.night)
    generated_path = cache.root / "board" / f"ep{number:03d}.generated.yaml"
    previous = load_document(generated_path, Storyboard) if generated_path.exists() else None
    existing = project.load_board(number)
    board = merge_board(fresh, existing, previous)
    if save_document(board, project.board_path(number)):
        cache.did("board")
    save_document(fresh, generated_path)
    return board


def _mouths(lines, fps: int, cache: Cache) -> dict[int, list[bool]]:
    from reelwright.media.audio import mouth_track, read_wav  # noqa: PLC0415

    out = {}
    for line in lines:
        key = make_key("mouth", {"voice": line.key, "fps": fps})
        track = cache.read_json("mouth", key)
        if track is None:
            audio = read_wav(line.path)
            track = [bool(x) for x in mouth_track(audio.samples, audio.sample_rate, fps)]
            cache.write_json("mouth", key, track)
        out[line.index] = track
    return out


def _mix(project: Project, timeline: Timeline, lines, cache: Cache) -> tuple[str, Path]:
    from reelwright.media.audio import Audio, mix, normalize, read_wav, write_wav  # noqa: PLC0415

    s = project.settings.audio
    total = round(timeline.frames * timeline.sample_rate / timeline.fps)
    spec = {"clips": [c.model_dump(mode="json") for c in timeline.audio], "samples": total,
            "loudness": s.loudness, "true_peak": s.true_peak, "rate": timeline.sample_rate}
    key = make_key("mix", spec)
    path = cache.path("mix", key, ".wav")
    if not path.is_file():
        paths = {ln.key: ln.path for ln in lines}
        clips = [(c.start, read_wav(paths[c.key]).samples, 1.0) for c in timeline.audio]
        stereo = mix(clips, total, channels=2)
        if timeline.audio:
            # AAC encoding can overshoot the limiter by a few tenths of a dB: keep headroom for it
            stereo = normalize(stereo, timeline.sample_rate, s.loudness, s.true_peak - CODEC_HEADROOM_DB)
        tmp = cache.temp_path(path)
        write_wav(tmp, Audio(stereo, timeline.sample_rate))
        cache.commit(tmp, path)
        cache.did("mix")
    cache.record(f"ep{timeline.episode:03d}/mix", "mix", key, [str(path)])
    return key, path


def write_srt(timeline: Timeline, path: Path) -> None:
    import pysubs2  # noqa: PLC0415

    subs = pysubs2.SSAFile()
    for cue in timeline.cues:
        subs.append(pysubs2.SSAEvent(start=round(cue.start * 1000 / timeline.fps),
                                     end=round(cue.end * 1000 / timeline.fps), text=cue.text.replace("\n", "\\N")))
    atomic_write_text(path, subs.to_string("srt"))


def build(project: Project, episodes: str | list[int] | None = None, *, workers: int | None = None,
          quiet: bool = False, cache: Cache | None = None) -> BuildReport:
    from reelwright.media.audio import read_wav  # noqa: PLC0415
    from reelwright.media.video import assemble  # noqa: PLC0415
    from reelwright.providers.registry import get_provider  # noqa: PLC0415
    from reelwright.stages.cut import cut_episode  # noqa: PLC0415
    from reelwright.stages.render import render_segments, shot_specs  # noqa: PLC0415
    from reelwright.stages.voice import _Providers, voice_episode  # noqa: PLC0415

    numbers = episodes if isinstance(episodes, list) else parse_episode_spec(episodes, list(project.episodes))
    cache = cache or Cache(project.cache_dir, project.lock_path)
    cache.clean_temp()
    if project.sync_bible():
        cache.did("bible")
    settings = project.settings
    providers = _Providers(settings)
    image = get_provider(f"image:{settings.providers.image}", settings.providers.options.get(settings.providers.image))
    report = BuildReport(numbers)
    workers = settings.render.workers if workers is None else workers
    try:
        for number in numbers:
            src = project.episodes[number]
            tag = f"ep{number:03d}"
            board = make_board(project, number, cache)
            n_lines = len(src.episode.dialogue())
            with Progress(f"{tag} voice", n_lines, enabled=not quiet) as bar:
                lines = voice_episode(src.episode, project.bible, settings, cache, providers, on_line=bar.advance,
                                      language=project.language(number))
            mouths = _mouths(lines, settings.video.fps, cache)
            timeline = cut_episode(board, lines, mouths, settings)
            outs = episode_outputs(project, number)
            save_document(timeline, outs["timeline"])
            mix_key, mix_path = _mix(project, timeline, lines, cache)
            specs = shot_specs(timeline, project.bible, settings, image.identity())
            with Progress(f"{tag} render", len(specs), enabled=not quiet) as bar:
                segments = render_segments(specs, cache, name=f"{tag}/", workers=workers,
                                           on_done=bar.advance)
            final_key = make_key("episode", {"segments": [p.stem for p in segments], "mix": mix_key})
            entry = cache.lock.artifacts.get(f"{tag}/video")
            if entry is None or entry.key != final_key or not outs["video"].is_file():
                audio = read_wav(mix_path).samples
                assemble(outs["video"], segments, audio, timeline.sample_rate,
                         metadata={"title": f"{project.settings.project.title} — {tag}"})
                write_srt(timeline, outs["srt"])
                cache.did("assemble")
            cache.record(f"{tag}/video", "assemble", final_key, [str(outs["video"]), str(outs["srt"])])
            report.outputs[number] = {k: str(v) for k, v in outs.items()}
            cache.save_lock()
            _log(f"{tag}: {timeline.frames / timeline.fps:.1f}s, {len(timeline.shots)} shots → {outs['video']}",
                 quiet)
    finally:
        cache.save_lock()
    report.work = dict(cache.work)
    return report


def report_json(report: BuildReport) -> str:
    return json.dumps({"episodes": report.episodes, "work": report.work, "outputs": report.outputs}, indent=2)

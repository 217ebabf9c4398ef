"""Exports: editor timelines (OTIO, FCP7 XML, FCPXML, EDL), JianYing/CapCut drafts and subtitle files,
one module per kind.

:func:`export_project` writes ``build/export/epNNN.<ext>`` for each format with
the media it references under ``build/export/media/epNNN/``: every shot as its
own clean clip (no burned-in text), every voiced line as a WAV, and the
music-and-effects stem. Media files are hard links into the cache where the file
system allows (no extra space), and only files whose content changed are
replaced, so a re-export after a one-line edit touches the shots of that line.
The ``jianying`` and ``capcut`` formats write a draft folder per episode instead,
``build/export/<format>/<title> epNNN/``, with the same media inside it (see
:mod:`reelwright.export.draft`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from reelwright.build.pipeline import BuildReport, EpisodeResult, build
from reelwright.documents.timeline import Timeline
from reelwright.errors import BuildError, InputError
from reelwright.export.draft import DRAFT_FORMATS, DraftMedia, draft_available, write_draft
from reelwright.export.media import episode_media, place_file, stem_levels
from reelwright.export.otio import TimelineMedia, otio_available, write_timeline
from reelwright.media.subtitles import (
    SubCue,
    SubtitleRules,
    layout_text,
    merge_captions,
    write_subtitles,
)
from reelwright.project.cache import Cache
from reelwright.project.folder import Project, parse_episode_spec

__all__ = ["ExportReport", "export_project", "export_episode", "source_track", "FORMATS", "ALL_FORMATS"]

from reelwright.export.otio import FORMATS  # noqa: E402

ALL_FORMATS = [*FORMATS, *DRAFT_FORMATS]


@dataclass
class ExportReport:
    episodes: list[int]
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    timelines: dict[int, dict[str, Path]] = field(default_factory=dict)
    build: BuildReport | None = None  # the build the export asked for (a freshness check when nothing changed)

    def summary(self) -> str:
        done = (f"exported {len(self.episodes)} episode(s): {len(self.written)} file(s) written, "
                f"{len(self.kept)} up to date")
        return done if self.build is None else f"{self.build.brief()}\n{done}"


def _ascii(name: str) -> str:
    """A file-name-safe ASCII form of a shot id or character name (Chinese as pinyin)."""
    if re.search(r"[^\x00-\x7f]", name):
        try:
            from pypinyin import lazy_pinyin  # noqa: PLC0415

            name = "".join(w.capitalize() for w in lazy_pinyin(name))
        except ImportError:
            pass
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "x"


def source_track(project: Project, timeline: Timeline):
    """The episode's own subtitle track as built (dialogue cues) plus its captions, without overlaps."""

    rules = delivery_rules(project, timeline.fps)
    dialogue = [SubCue(c.start, c.end, c.text, "dialogue", c.line) for c in timeline.cues]
    captions = []
    for ts in timeline.shots:
        if ts.shot.caption and ts.shot.size != "INSERT":
            end = ts.start + ts.frames
            captions += layout_text(ts.shot.caption, ts.start, end, end, rules, kind="caption")
    return merge_captions(dialogue, captions, max(1, round(rules.min_seconds * rules.fps)))


def delivery_rules(project: Project, fps: int):
    t = project.settings.targets
    return SubtitleRules(fps=fps, max_cjk=t.subtitle_chars_cjk, max_latin=t.subtitle_chars_latin,
                         max_lines=t.subtitle_lines, cps_cjk=t.reading_cps_cjk, cps_latin=t.reading_cps_latin,
                         min_seconds=t.subtitle_min_seconds)


def export_episode(project: Project, built: EpisodeResult, formats: list[str], out_dir: Path, cache: Cache, *,
                   relative: bool = False, workers: int | None = None, quiet: bool = True,
                   report: ExportReport | None = None) -> ExportReport:
    """Export one built episode's timeline in ``formats``."""
    number = built.number
    report = report or ExportReport([number])
    media = episode_media(project, built, cache, workers=workers, quiet=quiet)
    tl = media.timeline
    tag = media.tag
    drafts = [f for f in formats if f in DRAFT_FORMATS]
    formats = [f for f in formats if f not in DRAFT_FORMATS]
    outs: dict[str, Path] = {}
    for fmt in drafts:
        outs[fmt] = _export_draft(project, media, fmt, out_dir / fmt, report)
    report.timelines[number] = outs
    if not formats:
        return report
    folder = out_dir / "media" / tag

    wanted: set[str] = set()

    def put(src: Path, name: str) -> str:
        wanted.add(name)
        dest = folder / name
        (report.written if place_file(src, dest) else report.kept).append(dest)
        return f"media/{tag}/{name}" if relative else dest.resolve().as_uri()

    shots = [put(seg, f"{tag}_{i + 1:03d}_{_ascii(ts.shot.id)}.mp4")
             for i, (ts, seg) in enumerate(zip(tl.shots, media.clean))]
    lines = {c.line: put(media.lines[c.line], f"{tag}_line{c.line + 1:03d}_{_ascii(c.character)}.wav")
             for c in tl.audio}
    me = put(media.me, f"{tag}_me.wav") if media.me else None
    for stale in folder.glob("*"):  # shots or lines that are gone from the episode
        if stale.is_file() and stale.name not in wanted:
            stale.unlink()
    cues = source_track(project, tl)
    tm = TimelineMedia(shots=shots, lines=lines, me=me, cues=cues)
    title = f"{project.settings.project.title} {tag}"
    for fmt in formats:
        path = out_dir / f"{tag}{FORMATS[fmt]}"
        before = path.read_bytes() if path.is_file() else None
        write_timeline(tl, tm, fmt, path, name=title)
        (report.written if path.read_bytes() != before else report.kept).append(path)
        outs[fmt] = path
    if any(f in ("fcpxml", "edl") for f in formats):  # no subtitle track there: the cues beside
        srt = out_dir / f"{tag}.srt"
        before = srt.read_bytes() if srt.is_file() else None
        write_subtitles(cues, srt, fps=tl.fps, width=tl.width, height=tl.height, language=media.language)
        (report.written if srt.read_bytes() != before else report.kept).append(srt)
        outs["srt"] = srt
    return report


def _export_draft(project: Project, media, fmt: str, root: Path, report: ExportReport) -> Path:
    """The episode's JianYing or CapCut draft folder under ``root``, its media copied inside it."""
    tl, tag = media.timeline, media.tag
    name = re.sub(r'[\\/:*?"<>|]+', "-", f"{project.settings.project.title} {tag}").strip(" .-") or tag
    folder = root / name
    wanted: set[str] = set()

    def put(src: Path, sub: str) -> Path:
        wanted.add(sub)
        dest = folder / "media" / sub
        (report.written if place_file(src, dest) else report.kept).append(dest)
        return dest

    shots = [put(seg, f"{tag}_{i + 1:03d}_{_ascii(ts.shot.id)}.mp4")
             for i, (ts, seg) in enumerate(zip(tl.shots, media.clean))]
    lines = {c.line: put(media.lines[c.line], f"{tag}_line{c.line + 1:03d}_{_ascii(c.character)}.wav")
             for c in tl.audio}
    me = put(media.me, f"{tag}_me.wav") if media.me else None
    for stale in (folder / "media").glob("*"):
        if stale.is_file() and stale.name not in wanted:
            stale.unlink()
    g_dia, g_me = stem_levels(media, round(tl.frames * tl.sample_rate / tl.fps))
    dm = DraftMedia(shots=shots, lines=lines, me=me, cues=source_track(project, tl), dialogue_gain=g_dia,
                    me_gain=g_me)
    write_draft(fmt, tl, dm, folder, name=name)
    report.written.append(folder)
    return folder


def export_project(project: Project, formats: list[str] | str = "otio", episodes: str | None = None, *,
                   out_dir: Path | None = None, relative: bool = False, workers: int | None = None,
                   quiet: bool = True, cache: Cache | None = None) -> ExportReport:
    """Export every (or the chosen) episode's timeline in ``formats`` under ``out_dir`` (build/export)."""

    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    bad = [f for f in formats if f not in ALL_FORMATS]
    if bad or not formats:
        raise InputError(f"unknown export format {', '.join(bad) or '(none)'}; expected one or more of "
                         f"{', '.join(ALL_FORMATS)}")
    for fmt in formats:
        missing = draft_available(fmt) if fmt in DRAFT_FORMATS else otio_available(fmt)
        if missing:
            raise BuildError(missing)
    numbers = parse_episode_spec(episodes, list(project.episodes))
    out_dir = Path(out_dir) if out_dir else project.build_dir / "export"
    cache = cache or Cache(project.cache_dir, project.lock_path)
    report = ExportReport(numbers)
    try:
        built = build(project, numbers, workers=workers, quiet=quiet, cache=cache)
        report.build = built
        for number in numbers:
            export_episode(project, built.results[number], formats, out_dir, cache, relative=relative,
                           workers=workers, quiet=quiet, report=report)
    finally:
        cache.save_lock()
    return report

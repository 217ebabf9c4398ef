"""JianYing (剪映) and CapCut drafts: per episode a draft folder the editor opens as a project.

Written through the libraries made for these formats, ``pyJianYingDraft`` (JianYing) and ``pycapcut``
(CapCut), both by the same author and sharing one design. A draft is a folder holding ``draft_content.json``
(the timeline), ``draft_meta_info.json`` (what the editor's draft list shows) and, here, every media file it
uses under ``media/``, so the folder opens on another machine (JianYing on macOS reads only media inside its
sandbox, i.e. inside its drafts folder). Tracks, bottom to top:

* ``Picture`` (video): one segment per shot, each its own clean clip (no burned-in text); a dissolve in the
  timeline is a 叠化 (Mix) transition of the dissolve's length on the segment before it;
* ``Dialogue`` (audio): one segment per voiced line, at the dialogue's level in the mix;
* ``M&E`` (audio): the music-and-effects stem over the whole episode, at its level in the mix (an
  episode without lines, stem or cues has no track for them);
* ``Subtitles`` (text): one text segment per subtitle or caption cue, in the project's subtitle style (white,
  dark outline and shadow, centred just above the lower safe zone; Source Han Sans in JianYing);
* ``Markers`` (text): the hook, every turn and the cliffhanger as named segments (up to a second long)
  whose text is fully transparent (visible on the timeline, never in the picture), and the same points as
  the draft's ``time_marks``.

Time in a draft is integer microseconds: frame ``f`` at ``fps`` is ``round(f * 1e6 / fps)``, and a segment's
duration is the difference of its ends, so segments abut exactly and every duration reads back to its frames.
"""

from __future__ import annotations

import importlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from reelwright.documents.base import atomic_write_text
from reelwright.documents.timeline import Timeline
from reelwright.errors import BuildError
from reelwright.export.otio import marker_points

__all__ = ["DRAFT_FORMATS", "DraftMedia", "draft_available", "write_draft", "frame_us", "sample_us",
           "PLACEHOLDER"]

# format -> (import name, pip name)
DRAFT_FORMATS = {"jianying": ("pyJianYingDraft", "pyJianYingDraft"), "capcut": ("pycapcut", "pycapcut")}
# JianYing resolves this prefix to the draft's own folder when it opens the draft (the path convention its
# templates use for media kept inside a draft): the draft folder can move between machines
PLACEHOLDER = "##_draftpath_placeholder_0E685133-18CE-45ED-8CB8-2904A212EC80_##"
_MARK_COLOURS = {"hook": "#3CB371", "turn": "#F0C419", "cliffhanger": "#E5484D"}
_SUBTITLE_CENTRE = 0.77  # the burned-in subtitles' block ends at 80% of the height; its middle sits about here


def draft_available(fmt: str) -> str | None:
    """None when ``fmt`` can be written, else what to install."""
    module, package = DRAFT_FORMATS[fmt]
    try:
        importlib.import_module(module)
    except ImportError:
        return f"{package} is not installed: pip install {package}"
    try:
        import pymediainfo  # noqa: PLC0415

        if not pymediainfo.MediaInfo.can_parse():
            return "pymediainfo cannot find the MediaInfo library: pip install --force-reinstall pymediainfo"
    except ImportError:
        return "pymediainfo is not installed: pip install pymediainfo"
    return None


def frame_us(frame: int, fps: int) -> int:
    """Frame ``frame`` at ``fps`` in a draft's microseconds."""
    return round(frame * 1_000_000 / fps)


def sample_us(sample: int, rate: int) -> int:
    return round(sample * 1_000_000 / rate)


@dataclass
class DraftMedia:
    """The files a draft uses (already placed inside the draft folder) and the levels of the two stems."""

    shots: list[Path]  # one per timeline shot, in order
    lines: dict[int, Path]  # dialogue index -> line audio
    me: Path | None = None
    cues: list = field(default_factory=list)  # SubCue list: the subtitle track (dialogue and captions)
    dialogue_gain: float = 1.0  # linear gain of the line audio in the mix
    me_gain: float = 1.0  # linear gain of the M&E stem in the mix (1.0: the stem is at its level)


class _Writer:
    """One library behind the two formats: pyJianYingDraft (append_track) and pycapcut 0.0.x (add_track)."""

    def __init__(self, fmt: str, timeline: Timeline) -> None:
        self.fmt = fmt
        self.lib = importlib.import_module(DRAFT_FORMATS[fmt][0])
        self.script = self.lib.ScriptFile(timeline.width, timeline.height, timeline.fps, maintrack_adsorb=False)
        self.tracks: dict[str, object] = {}

    def track(self, kind: str, name: str) -> None:
        tt = getattr(self.lib.TrackType, kind)
        if hasattr(self.script, "append_track"):
            self.tracks[name] = self.script.append_track(self.lib.TrackSpec(tt, name=name))
        else:
            order = sum(1 for t in self.script.tracks.values() if t.track_type == tt)
            self.script.add_track(tt, name, relative_index=order)
            self.tracks[name] = name

    def add(self, segment, name: str) -> None:
        self.script.add_segment(segment, self.tracks[name])

    def video(self, path: Path, start: int, duration: int):
        material = self.lib.VideoMaterial(str(path))
        material.duration = max(material.duration, duration)  # MediaInfo rounds to ms; the clip has its frames
        return self.lib.VideoSegment(material, self.lib.Timerange(start, duration))

    def audio(self, path: Path, start: int, duration: int, volume: float):
        material = self.lib.AudioMaterial(str(path))
        material.duration = max(material.duration, duration)
        return self.lib.AudioSegment(material, self.lib.Timerange(start, duration), volume=volume)

    def text(self, text: str, start: int, duration: int, *, hidden: bool = False):
        lib = self.lib
        style = lib.TextStyle(size=8.0, color=(1.0, 1.0, 1.0), align=1, auto_wrapping=True,
                              alpha=0.0 if hidden else 1.0)
        clip = lib.ClipSettings(transform_y=round(-(_SUBTITLE_CENTRE - 0.5) * 2, 3))
        font = getattr(lib.FontType, "SourceHanSansCN_Regular", None) if hasattr(lib, "FontType") else None
        kw = {} if hidden else {"border": lib.TextBorder(color=(0.08, 0.08, 0.09), width=40.0),
                                "shadow": lib.TextShadow(alpha=0.6, color=(0.0, 0.0, 0.0))}
        return lib.TextSegment(text, lib.Timerange(start, duration), font=font, style=style, clip_settings=clip, **kw)

    def dissolve(self, segment, duration: int) -> None:
        segment.add_transition(self.lib.TransitionType.叠化, duration=duration)


def write_draft(fmt: str, timeline: Timeline, media: DraftMedia, folder: Path, *, name: str) -> Path:
    """Write the draft of ``timeline`` into ``folder`` (its media already there); returns draft_content.json."""
    if fmt not in DRAFT_FORMATS:
        raise BuildError(f"unknown draft format {fmt!r}; expected one of {', '.join(DRAFT_FORMATS)}")
    missing = draft_available(fmt)
    if missing:
        raise BuildError(missing)
    folder = Path(folder).resolve()
    fps, sr = timeline.fps, timeline.sample_rate
    w = _Writer(fmt, timeline)
    present = {"Dialogue": bool(timeline.audio), "M&E": media.me is not None, "Subtitles": bool(media.cues)}
    for kind, track in (("video", "Picture"), ("audio", "Dialogue"), ("audio", "M&E"), ("text", "Subtitles"),
                        ("text", "Markers")):
        if present.get(track, True):  # no empty tracks
            w.track(kind, track)

    segments = []
    for ts, path in zip(timeline.shots, media.shots, strict=True):
        start, end = frame_us(ts.start, fps), frame_us(ts.start + ts.frames, fps)
        segments.append(w.video(path, start, end - start))
    for i, ts in enumerate(timeline.shots):
        if i and ts.fade_in and segments[i - 1].transition is None:  # on the segment before the cut
            w.dissolve(segments[i - 1], frame_us(ts.fade_in, fps))
    for seg in segments:
        w.add(seg, "Picture")
    end_free = 0
    for clip in timeline.audio:
        start = max(sample_us(clip.start, sr), end_free)
        end = sample_us(clip.start + clip.samples, sr)
        w.add(w.audio(media.lines[clip.line], start, end - start, media.dialogue_gain), "Dialogue")
        end_free = end
    if media.me is not None:
        w.add(w.audio(media.me, 0, frame_us(timeline.frames, fps), media.me_gain), "M&E")
    for cue in media.cues:
        start, end = frame_us(cue.start, fps), frame_us(cue.end, fps)
        if end > start:
            w.add(w.text(cue.text, start, end - start), "Subtitles")
    marks = marker_points(timeline)
    for k, (frame, kind, note) in enumerate(marks):
        nxt = marks[k + 1][0] if k + 1 < len(marks) else timeline.frames
        length = max(1, min(nxt, timeline.frames, frame + fps) - frame)  # a second at most: a flag, not a span
        start, end = frame_us(frame, fps), frame_us(frame + length, fps)
        w.add(w.text(f"{kind.upper()}: {note[:60]}", start, end - start, hidden=True), "Markers")

    content = json.loads(w.script.dumps())
    _local_paths(content, folder, fmt)
    draft_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"reelwright:{folder}")).upper()
    content["id"] = draft_id
    content["name"] = name
    content["time_marks"] = {"id": "", "mark_items": [
        {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{draft_id}:{f}")).upper(),
         "time_range": {"start": frame_us(f, fps), "duration": 0}, "color": _MARK_COLOURS[kind],
         "title": f"{kind}: {note[:60]}"} for f, kind, note in marks]}
    text = json.dumps(content, ensure_ascii=False, indent=2) + "\n"
    out = folder / "draft_content.json"
    atomic_write_text(out, text)
    if fmt == "capcut":  # CapCut's newer builds read the timeline from draft_info.json
        atomic_write_text(folder / "draft_info.json", text)
    atomic_write_text(folder / "draft_meta_info.json", _meta(fmt, folder, name, draft_id, content["duration"]))
    return out


def _local_paths(content: dict, folder: Path, fmt: str) -> None:
    """Media paths inside the draft folder: JianYing's draft-folder placeholder (the folder can move), CapCut's
    absolute path (CapCut on macOS refuses the placeholder)."""
    for kind in ("videos", "audios"):
        for material in content["materials"].get(kind, []):
            path = Path(material["path"]).resolve()
            try:
                rel = path.relative_to(folder).as_posix()
            except ValueError:
                raise BuildError(f"draft media {path} is outside the draft folder {folder}") from None
            material["path"] = f"{PLACEHOLDER}/{rel}" if fmt == "jianying" else str(path)


def _meta(fmt: str, folder: Path, name: str, draft_id: str, duration: int) -> str:
    from importlib.resources import files  # noqa: PLC0415

    module = DRAFT_FORMATS[fmt][0]
    meta = json.loads(files(module).joinpath("assets", "draft_meta_info.json").read_text(encoding="utf-8"))
    meta.update({"draft_name": name, "draft_id": draft_id, "draft_fold_path": str(folder),
                 "draft_root_path": str(folder.parent), "tm_duration": duration})
    return json.dumps(meta, ensure_ascii=False, indent=2) + "\n"

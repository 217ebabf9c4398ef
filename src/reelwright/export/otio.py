"""Editor timelines with OpenTimelineIO: native ``.otio``, FCP7 XML, FCPXML and CMX 3600 EDL.

One OTIO timeline per episode, built from the :class:`~reelwright.documents.timeline.Timeline`:

* ``Picture`` (video): one clip per shot, each referencing its own clean clip
  (no burned-in text); markers on the clips at the hook, every turn (a sting)
  and the cliffhanger;
* ``Subtitles`` (video): the subtitle and caption cues as ``Text`` generator
  clips (FCP7 XML writes them as Text generators);
* ``Dialogue`` (audio): one clip per voiced line, referencing the line's WAV;
* ``M&E`` (audio): the music-and-effects stem, when the episode has one.

The native file keeps audio at the sample rate (sample-exact). The interchange
formats are frame based: their copy puts everything on one timecode rate (the
episode rate, or its smallest multiple that is a SMPTE rate: 15 fps → 30) with
line audio rounded to the nearest frame. Formats carry what they can: FCPXML has
no subtitle track here (the adapter writes none) and an EDL is the picture
track with its markers as ``LOC`` comments; an ``.srt`` goes beside both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reelwright.documents.base import atomic_write_text
from reelwright.documents.timeline import Timeline
from reelwright.errors import BuildError

__all__ = ["TimelineMedia", "build_otio", "timecode_rate", "write_timeline", "FORMATS", "marker_points",
           "otio_available"]

FORMATS = {"otio": ".otio", "fcp7": ".xml", "fcpxml": ".fcpxml", "edl": ".edl"}
_ADAPTERS = {"otio": "otio_json", "fcp7": "fcp_xml", "fcpxml": "fcpx_xml", "edl": "cmx_3600"}
_PACKAGES = {"fcp7": "otio-fcp-adapter", "fcpxml": "otio-fcpx-xml-adapter", "edl": "otio-cmx3600-adapter"}
_COLORS = {"hook": "GREEN", "turn": "YELLOW", "cliffhanger": "RED"}


def otio_available(fmt: str = "otio") -> str | None:
    """None when ``fmt`` can be written, else what to install."""
    try:
        import opentimelineio as otio  # noqa: PLC0415
    except ImportError:
        return "opentimelineio is not installed: pip install opentimelineio"
    if fmt != "otio":
        names = {a.name for a in otio.plugins.ActiveManifest().adapters}
        if _ADAPTERS[fmt] not in names:
            return f"the {fmt} adapter is not installed: pip install {_PACKAGES[fmt]}"
    return None


@dataclass
class TimelineMedia:
    """Where an episode's media files are: a URL (or relative path) per shot, per line, and the stem."""

    shots: list[str]  # one per timeline shot, in order
    lines: dict[int, str]  # dialogue index → line audio
    me: str | None = None
    cues: list = field(default_factory=list)  # SubCue list for the subtitle track (dialogue and captions)


def timecode_rate(fps: int) -> int:
    """The episode rate if SMPTE timecode allows it, else its smallest multiple that does."""
    import opentimelineio as otio  # noqa: PLC0415

    for k in range(1, 9):
        if otio.opentime.RationalTime.is_valid_timecode_rate(fps * k):
            return fps * k
    raise BuildError(f"{fps} fps has no SMPTE timecode rate among its multiples; use 24, 25, 30, 50 or 60 fps "
                     "for FCP7 XML and EDL export")


def marker_points(timeline: Timeline) -> list[tuple[int, str, str]]:
    """``(frame, kind, note)`` for the hook, every turn and the cliffhanger, in time order."""
    out: dict[int, tuple[str, str]] = {}
    shots = {ts.shot.id: ts for ts in timeline.shots}
    for ts in timeline.shots:
        if ts.shot.reason == "hook":
            out.setdefault(ts.start, ("hook", ts.shot.text or ts.shot.id))
    for s in timeline.stings:
        ts = shots.get(s.shot)
        text = (ts.shot.text if ts else "") or s.shot
        if s.kind == "cliffhanger":
            out[s.frame] = ("cliffhanger", text)
        elif ts is not None and ts.shot.reason == "hook":
            out.setdefault(s.frame, ("hook", text))
        else:
            out.setdefault(s.frame, ("turn", text))
    if not any(kind == "hook" for kind, _ in out.values()) and timeline.shots:
        out.setdefault(0, ("hook", timeline.shots[0].shot.text or "opening"))
    return [(f, k, n) for f, (k, n) in sorted(out.items())]


def build_otio(timeline: Timeline, media: TimelineMedia, *, name: str, rate: int | None = None,
               subtitles: bool = True, audio: bool = True):
    """The OTIO timeline. ``rate``: put every track on this frame rate (interchange formats); None keeps
    video at the episode rate and audio at the sample rate."""
    import opentimelineio as otio  # noqa: PLC0415

    RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange
    fps, sr = timeline.fps, timeline.sample_rate
    vrate = rate or fps
    vk = vrate // fps if rate else 1  # frames of the output rate per episode frame
    if rate and rate % fps:
        raise BuildError(f"timeline rate {rate} is not a multiple of {fps} fps")

    def vt(frames: int):
        return RT(frames * vk, vrate)

    def at(samples: int) -> RT:
        return RT(samples, sr) if rate is None else RT(round(samples * rate / sr), rate)

    tl = otio.schema.Timeline(name=name, global_start_time=RT(0, vrate))
    tl.metadata["reelwright"] = {"episode": timeline.episode, "fps": fps, "sample_rate": sr,
                                 "width": timeline.width, "height": timeline.height}
    picture = otio.schema.Track(name="Picture", kind=otio.schema.TrackKind.Video)
    marks = marker_points(timeline)
    for ts, url in zip(timeline.shots, media.shots, strict=True):
        rng = TR(vt(0), vt(ts.frames))
        ref = otio.schema.ExternalReference(target_url=url, available_range=rng)
        clip = otio.schema.Clip(name=Path(url).stem, media_reference=ref, source_range=rng)
        clip.metadata["reelwright"] = {"shot": ts.shot.id, "size": ts.shot.size, "reason": ts.shot.reason,
                                       "line": ts.shot.line, "fade_in": ts.fade_in, "start": ts.start}
        for frame, kind, note in marks:
            if ts.start <= frame < ts.start + ts.frames:
                marker = otio.schema.Marker(name=kind, marked_range=TR(vt(frame - ts.start), vt(0)),
                                            color=_COLORS[kind], comment=note[:120])
                clip.markers.append(marker)
        picture.append(clip)
    tl.tracks.append(picture)
    if subtitles and media.cues:
        track = otio.schema.Track(name="Subtitles", kind=otio.schema.TrackKind.Video)
        pos = 0
        for cue in media.cues:
            if cue.start > pos:
                track.append(otio.schema.Gap(source_range=TR(vt(0), vt(cue.start - pos))))
            rng = TR(vt(0), vt(cue.end - cue.start))
            gen = otio.schema.GeneratorReference(name="Text", generator_kind="Text", available_range=rng,
                                                 parameters={"text": cue.text, "kind": cue.kind})
            gen.metadata["fcp_xml"] = {"effecttype": "generator", "mediatype": "video", "effectcategory": "Text",
                                       "parameter": {"parameterid": "str", "name": "Text", "value": cue.text}}
            clip = otio.schema.Clip(name=cue.text.replace("\n", " ")[:60], media_reference=gen, source_range=rng)
            clip.metadata["reelwright"] = {"kind": cue.kind, "line": cue.line, "text": cue.text}
            track.append(clip)
            pos = cue.end
        tl.tracks.append(track)
    if audio:
        dialogue = otio.schema.Track(name="Dialogue", kind=otio.schema.TrackKind.Audio)
        pos = at(0)
        for clip_info in timeline.audio:
            start, end = at(clip_info.start), at(clip_info.start + clip_info.samples)
            url = media.lines[clip_info.line]
            if start > pos:
                dialogue.append(otio.schema.Gap(source_range=TR(at(0), start - pos)))
            start = max(start, pos)  # rounding to frames never overlaps two lines
            rng = TR(at(0), end - start)
            ref = otio.schema.ExternalReference(target_url=url, available_range=TR(
                at(0), max(end - start, at(clip_info.samples))))
            clip = otio.schema.Clip(name=Path(url).stem, media_reference=ref, source_range=rng)
            clip.metadata["reelwright"] = {"line": clip_info.line, "character": clip_info.character,
                                           "start_sample": clip_info.start, "samples": clip_info.samples}
            dialogue.append(clip)
            pos = end
        tl.tracks.append(dialogue)
        if media.me:
            me = otio.schema.Track(name="M&E", kind=otio.schema.TrackKind.Audio)
            total = at(round(timeline.frames * sr / fps)) if rate is None else vt(timeline.frames)
            rng = TR(at(0) if rate is None else vt(0), total)
            me.append(otio.schema.Clip(name=Path(media.me).stem, source_range=rng,
                                       media_reference=otio.schema.ExternalReference(target_url=media.me,
                                                                                     available_range=rng)))
            tl.tracks.append(me)
    return tl


def write_timeline(timeline: Timeline, media: TimelineMedia, fmt: str, path: Path, *, name: str) -> Path:
    """Write ``fmt`` (otio, fcp7, fcpxml, edl) to ``path`` atomically."""

    if fmt not in FORMATS:
        raise BuildError(f"unknown timeline format {fmt!r}; expected one of {', '.join(FORMATS)}")
    missing = otio_available(fmt)
    if missing:
        raise BuildError(missing)
    import opentimelineio as otio  # noqa: PLC0415

    if fmt == "otio":
        tl = build_otio(timeline, media, name=name)
        text = otio.adapters.write_to_string(tl, "otio_json")
    else:
        rate = timecode_rate(timeline.fps)
        tl = build_otio(timeline, media, name=name, rate=rate, subtitles=fmt == "fcp7", audio=fmt != "edl")
        kwargs = {"style": "avid"} if fmt == "edl" else {}
        text = otio.adapters.write_to_string(tl, _ADAPTERS[fmt], **kwargs)
    atomic_write_text(Path(path), text if text.endswith("\n") else text + "\n")
    return Path(path)

"""Render: each timeline shot to its own cached H.264 segment, in parallel processes.

A shot's segment is keyed by everything that shows in it (its still's content,
camera move, mouth track, subtitle cues, the previous shot for a dissolve,
encoder settings, drawing-code version), so a rebuild re-encodes only the shots
whose pictures changed.
"""

from __future__ import annotations

import time
import zlib
from pathlib import Path
from typing import Any

from reelwright.documents.bible import Bible, Look
from reelwright.documents.breakdown import Wardrobe, Wear
from reelwright.documents.storyboard import Shot
from reelwright.documents.timeline import Timeline, TimelineShot
from reelwright.media.avatar import default_look
from reelwright.media.frames import (
    Camera,
    ClipReader,
    Overlay,
    ShotFrames,
    expand_runs,
    load_still,
)
from reelwright.media.planes import PlaneShot
from reelwright.media.text import TEXT_VERSION, render_text_layer
from reelwright.media.video import EncoderSettings, SegmentWriter
from reelwright.project.cache import make_key
from reelwright.project.settings import Settings
from reelwright.providers.image_comic import ComicImages
from reelwright.fsutil import place, storage_errors, temp_path

__all__ = ["shot_specs", "render_shot", "segment_key", "SUBTITLE_BOTTOM", "CAPTION_TOP", "prepare_shot",
           "prepare_planes", "encode_shot", "draft_size"]

SUBTITLE_BOTTOM = 0.80  # subtitles end at 80% of the frame height (inside the lower safe zone)
CAPTION_TOP = 0.09


def subject_looks(bible: Bible, names: list[str], wear: dict[str, Wear] | None = None) -> dict[str, Any]:
    """The drawn looks of ``names``; a costume colour in ``wear`` (the scene's, from the breakdown) dresses
    the character in it."""
    looks = {}
    for name in names:
        c = bible.character(name)
        if c is not None:
            looks[name] = c.look.model_dump(mode="json")
        else:
            looks[name] = {"style": "avataaars", "seed": name, "options": default_look(name), "description": ""}
        colour = (wear or {}).get(name, Wear()).colour
        if colour:
            looks[name]["options"] = {**looks[name]["options"], "clothesColor": colour.lstrip("#")}
    return looks


def _still_spec(ts: TimelineShot, bible: Bible, image: dict, wardrobe: Wardrobe | None = None) -> dict:
    if ts.media is not None:  # a generated picture: its content is the key (the path is not), read by the worker
        return {"file": ts.media.still.file, "sha256": ts.media.still.sha256,
                "shot": {"id": ts.shot.id, "size": ts.shot.size, "caption": ts.shot.caption}}
    # only what changes pixels: timing, provenance, sound and paperwork fields stay out of the key
    shot = ts.shot.model_dump(mode="json", exclude={"frames", "reason", "text", "line", "sting", "props", "cross"})
    if ts.shot.size == "INSERT":
        shot["text"] = ts.shot.text
    return {"shot": shot, "looks": subject_looks(bible, ts.shot.subjects, (wardrobe or {}).get(ts.shot.scene)),
            "image": image}


def _clip_spec(ts: TimelineShot, settings: Settings) -> dict | None:
    if ts.media is None or ts.media.clip is None:
        return None
    return {"file": ts.media.clip.file, "sha256": ts.media.clip.sha256, "fit": settings.images.clip_fit}


def spec_key_inputs(spec: Any) -> Any:
    """A render spec as its segment key hashes it: generated media by content, never by where the file lies."""
    if isinstance(spec, dict):
        if "file" in spec and "sha256" in spec:
            return {k: spec_key_inputs(v) for k, v in spec.items() if k != "file"}
        return {k: spec_key_inputs(v) for k, v in spec.items()}
    if isinstance(spec, list):
        return [spec_key_inputs(v) for v in spec]
    return spec


def segment_key(spec: dict) -> str:
    """The cache key of a shot's rendered segment (a comic spec hashes exactly as it always did)."""
    return make_key("shot", spec_key_inputs(spec))


def draft_size(width: int, height: int, scale: float) -> tuple[int, int]:
    """A draft's frame size: ``scale`` of the project's, rounded to even pixels (I420 needs them)."""
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def shot_specs(timeline: Timeline, bible: Bible, settings: Settings, image_identity: dict,
               wardrobe: Wardrobe | None = None, *, draft: bool = False) -> list[dict]:
    """Self-contained, JSON-able render instructions for every shot of ``timeline``; ``wardrobe`` (the
    episode's costumes per scene, from the breakdown) colours the drawn characters' clothes.

    ``draft``: smaller frames (``[render] draft_scale``) and a fast preset (``draft_preset``); the same cut,
    text and stills drawn at the smaller size. A draft spec says so (``encoder.draft``), so its segments
    have keys of their own and never stand in for a full-quality shot."""
    enc = {"width": timeline.width, "height": timeline.height, "fps": timeline.fps,
           "crf": settings.video.crf, "preset": settings.video.preset,
           "threads": settings.render.threads}  # x264's output depends on its thread count: fixed, not per machine
    if draft:
        w, h = draft_size(timeline.width, timeline.height, settings.render.draft_scale)
        enc.update(width=w, height=h, preset=settings.render.draft_preset, draft=True)
    specs = []
    for i, ts in enumerate(timeline.shots):
        end = ts.start + ts.frames
        cues = []
        if settings.video.subtitles:
            cues = [{"start": max(c.start - ts.start, 0), "end": min(c.end, end) - ts.start, "text": c.text}
                    for c in timeline.cues if c.start < end and c.end > ts.start]
        spec = {
            "id": ts.shot.id,
            "encoder": enc,
            "frames": ts.frames,
            "move": ts.shot.move,
            "seed": zlib.crc32(ts.shot.id.encode()),
            "still": _still_spec(ts, bible, image_identity, wardrobe),
            "mouth": ts.mouth,
            "cues": cues,
            "text_version": TEXT_VERSION,
            "language": settings.project.language,
            "fade_in": ts.fade_in,
            "prev": None,
        }
        clip = _clip_spec(ts, settings)
        if clip is not None:  # only generated shots have the key: comic specs (and their keys) stay as they were
            spec["clip"] = clip
        if ts.fade_in and i > 0:
            prev = timeline.shots[i - 1]
            spec["prev"] = {"still": _still_spec(prev, bible, image_identity, wardrobe), "frames": prev.frames,
                            "move": prev.shot.move,
                            "seed": zlib.crc32(prev.shot.id.encode())}
            prev_clip = _clip_spec(prev, settings)
            if prev_clip is not None:
                spec["prev"]["clip"] = prev_clip
        specs.append(spec)
    return specs


# ---- the worker side ---------------------------------------------------------------------------

def _stills(still: dict, camera) -> tuple:
    if "file" in still:  # generated: fitted to the camera's still size once; no lip flap

        img = load_still(still["file"], *camera.still_size())
        return img, img

    shot = Shot.model_validate({**still["shot"], "id": still["shot"]["id"]})
    looks = {k: Look.model_validate(v) for k, v in still["looks"].items()}
    w, h = camera.still_size()
    images = ComicImages()
    closed = images.still(shot, looks, w, h, speaker_mouth_open=False)
    opened = images.still(shot, looks, w, h, speaker_mouth_open=True) if shot.speaker else closed
    return closed, opened


def _overlays(spec: dict, width: int, height: int) -> list:
    out = []
    size = round(height * 0.034)
    for cue in spec["cues"]:
        if cue["end"] <= cue["start"]:
            continue
        layer = render_text_layer(cue["text"].split("\n"), width, size, style="subtitle")
        y = round(height * SUBTITLE_BOTTOM) - layer.shape[0]
        out.append(Overlay(layer, (width - layer.shape[1]) // 2, y, cue["start"], cue["end"]))
    caption = spec["still"]["shot"].get("caption")
    if caption and spec["still"]["shot"].get("size") != "INSERT":
        layer = render_text_layer([caption], width, round(height * 0.032), style="caption")
        out.append(Overlay(layer, (width - layer.shape[1]) // 2, round(height * CAPTION_TOP), 0, spec["frames"]))
    return out


def prepare_shot(spec: dict):
    """Everything drawn once per shot (stills, text layers), ready to stream RGB frames.

    The RGB path: the reference the I420 renderer (:func:`prepare_planes`) is tested against, and what
    other renderers (the MoviePy benchmark) are compared with."""
    import numpy as np  # noqa: PLC0415


    enc = spec["encoder"]
    W, H = enc["width"], enc["height"]

    def source(s: dict) -> tuple:
        """(camera, stills, clip) of a shot: a clip plays as it is (no camera move), else the still(s)."""
        if s.get("clip"):
            blank = np.zeros((1, 1, 3), np.uint8)
            return (Camera("static", W, H, s["seed"]), (blank, blank),
                    ClipReader(s["clip"]["file"], W, H, enc["fps"], s["clip"]["fit"]))
        camera = Camera(s["move"], W, H, s["seed"])
        return camera, _stills(s["still"], camera), None

    camera, stills, clip = source(spec)
    mouth = expand_runs([] if clip else spec["mouth"], spec["frames"])
    frames = ShotFrames(camera, stills, spec["frames"], mouth, _overlays(spec, W, H), clip=clip)
    if spec.get("prev"):
        p = spec["prev"]
        pcam, pstills, pclip = source(p)
        frames.previous = ShotFrames(pcam, pstills, p["frames"] + spec["fade_in"],
                                     expand_runs([], 1), duration_for_move=p["frames"], clip=pclip)
        frames.previous_offset = p["frames"]
        frames.fade_in = spec["fade_in"]
    return frames


def prepare_planes(spec: dict, times: dict[str, float] | None = None):
    """The shot as the renderer streams it: stills and text layers drawn once, in the encoder's I420."""
    t0 = time.perf_counter()
    shot = PlaneShot.from_frames(prepare_shot(spec), times)
    if times is not None:
        times["prepare"] = times.get("prepare", 0.0) + time.perf_counter() - t0
    return shot


def encode_shot(spec: dict, frames, out: str | Path, threads: int = 0) -> str:
    """Encode ``frames`` (a :class:`~reelwright.media.planes.PlaneShot`, or any iterable of RGB frames) to
    an MP4 segment at ``out``."""
    enc = spec["encoder"]
    # the spec's own thread count wins: x264's output depends on it (``threads`` is for older specs)
    settings = EncoderSettings(enc["width"], enc["height"], enc["fps"], enc["crf"], enc["preset"],
                               enc.get("threads", threads), bool(enc.get("draft")))
    with SegmentWriter(out, settings) as writer:
        if isinstance(frames, PlaneShot):
            times = frames.times
            try:
                buf = writer.planes()
                for i in range(frames.frames):
                    frames.draw(i, buf)
                    t0 = time.perf_counter()
                    writer.send()
                    if times is not None:
                        times["encode"] = times.get("encode", 0.0) + time.perf_counter() - t0
                t0 = time.perf_counter()
                writer.close()  # the flush: x264's last frames
                if times is not None:
                    times["encode"] = times.get("encode", 0.0) + time.perf_counter() - t0
                    times["frames"] = times.get("frames", 0) + frames.frames
            finally:
                frames.close()
        else:
            for img in frames:
                writer.write(img)
    return str(out)


def render_shot(spec: dict, out: str | Path, threads: int = 0) -> str:
    """Render one shot spec to an MP4 segment at ``out`` (the caller renames it into the cache)."""
    return encode_shot(spec, prepare_planes(spec), out, threads)


def render_to_cache(spec: dict, final: str, threads: int, frames=None) -> str:
    tmp = temp_path(final)
    try:
        with storage_errors(final):
            encode_shot(spec, frames if frames is not None else prepare_planes(spec), tmp, threads)
        place(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final

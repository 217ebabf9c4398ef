"""Small pictures for people to look at: a video frame, a character, a location, as JPEG or PNG files.

Each is written once (temp file, then renamed into place) and kept: callers name the file after what it shows
(the video's cache key and the frame), so a file that exists is up to date.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import av
import numpy as np
from PIL import Image

from reelwright.documents.bible import Look
from reelwright.media.avatar import render_avatar
from reelwright.media.background import render_background

__all__ = ["video_frame", "write_frame_thumb", "write_avatar_thumb", "write_background_thumb", "save_image"]

_busy: dict[str, threading.Lock] = {}
_busy_mutex = threading.Lock()


def video_frame(path: str | Path, frame: int) -> np.ndarray:
    """Frame ``frame`` (0-based) of the video at ``path`` as RGB uint8 (the last frame when past the end)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or 30
        tb = stream.time_base
        target = int(round(frame / float(rate) / float(tb))) if tb else 0
        container.seek(max(target, 0), stream=stream, backward=True, any_frame=False)
        last = None
        for f in container.decode(stream):
            last = f
            if f.pts is not None and f.pts >= target:
                break
        if last is None:
            raise ValueError(f"{path}: no video frame")
        return last.to_ndarray(format="rgb24")


def save_image(rgb: np.ndarray, out: Path, *, width: int | None = None, quality: int = 82) -> Path:
    """Write ``rgb`` (RGB or RGBA) scaled to ``width`` as JPEG (or PNG by suffix), atomically."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(np.ascontiguousarray(rgb))
    if width and image.width != width:
        image = image.resize((width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    if out.suffix.lower() in (".jpg", ".jpeg"):
        image.convert("RGB").save(tmp, "JPEG", quality=quality, optimize=True)
    else:
        image.save(tmp, "PNG", optimize=True)
    os.replace(tmp, out)
    return out


def _once(out: Path, make) -> Path:
    """Make ``out`` unless it exists; two threads asking for the same file make it once."""
    if out.is_file():
        return out
    with _busy_mutex:
        lock = _busy.setdefault(str(out), threading.Lock())
    with lock:
        if not out.is_file():
            make()
    return out


def write_frame_thumb(video: Path, frame: int, out: Path, width: int = 180) -> Path:
    return _once(out, lambda: save_image(video_frame(video, frame), out, width=width))


def write_avatar_thumb(look: Look, out: Path, size: int = 160, expression: str = "neutral") -> Path:
    def make() -> None:
        rgba = render_avatar(look, expression, size=size)
        base = np.full((*rgba.shape[:2], 3), 238, np.float32)
        alpha = rgba[..., 3:4].astype(np.float32) / 255.0
        save_image((rgba[..., :3] * alpha + base * (1 - alpha)).astype(np.uint8), out)

    return _once(out, make)


def write_background_thumb(location: str, interior: bool, out: Path, width: int = 160, height: int = 284) -> Path:
    return _once(out, lambda: save_image(render_background(location, interior, False, width, height), out))

"""Cover images (9:16 and 3:4, a close-up with the title) and the opening card's frames."""

from __future__ import annotations

import numpy as np

from reelwright.documents.base import atomic_write_bytes
from reelwright.documents.bible import Look
from reelwright.documents.storyboard import Shot
from reelwright.media.compose import compose_still, layout_shot
from reelwright.media.frames import Overlay, paste_premultiplied
from reelwright.media.text import render_text_layer, wrap_subtitle

__all__ = ["cover_still", "cover_images", "card_frame", "save_png", "face_centre"]


def face_centre(shot: Shot, width: int, height: int) -> tuple[float, float]:
    """Where the shot's main face is in a ``width`` x ``height`` frame (the frame centre when none)."""

    places = layout_shot(shot, width, height)
    if not places:
        return width / 2, height * 0.4
    p = max(places, key=lambda q: q.scale)
    x0, y0, x1, y1 = p.face_box
    return (x0 + x1) / 2, (y0 + y1) / 2


def _paste(img: np.ndarray, layer: np.ndarray, x: int, y: int) -> None:
    paste_premultiplied(img, Overlay(layer, x, y, 0, 1))


def _title_block(img: np.ndarray, title: str, label: str, bottom: float) -> np.ndarray:
    """Darken the lower part and write ``title`` (up to two lines) and ``label`` above ``bottom`` (0..1)."""

    h, w = img.shape[:2]
    out = img.copy()
    ramp = np.clip((np.arange(h, dtype=np.float32) / h - 0.45) / 0.4, 0, 1) ** 1.3 * 0.7
    out = (out.astype(np.float32) * (1 - ramp[:, None, None])).astype(np.uint8)
    lines = wrap_subtitle(title, max_cjk=8, max_latin=14, max_lines=2)
    lines = lines[0] if lines else [title]
    big = render_text_layer(lines, w, max(12, round(w * 0.11)), style="title")
    small = render_text_layer([label], w, max(8, round(w * 0.05)), style="subtitle") if label else None
    y = round(h * bottom) - big.shape[0] - (small.shape[0] if small is not None else 0)
    _paste(out, big, (w - big.shape[1]) // 2, y)
    if small is not None:
        _paste(out, small, (w - small.shape[1]) // 2, y + big.shape[0])
    return out


def cover_still(shot: Shot, looks: dict[str, Look], width: int) -> np.ndarray:
    """``shot``'s still, 9:16 and ``width`` wide (even sizes)."""

    w = width // 2 * 2
    return compose_still(shot, looks, w, round(w * 16 / 9) // 2 * 2)


def cover_images(still: np.ndarray, shot: Shot, title: str, label: str) -> dict[str, np.ndarray]:
    """``{"9x16": …, "3x4": …}`` RGB covers from ``shot``'s 9:16 ``still``, with the title and a label."""
    h, w = still.shape[:2]
    tall = _title_block(still, title, label, 0.86)
    h34 = round(w * 4 / 3) // 2 * 2
    _, cy = face_centre(shot, w, h)
    top = int(min(max(cy - h34 * 0.32, 0), h - h34))
    wide = _title_block(still[top:top + h34], title, label, 0.93)
    return {"9x16": tall, "3x4": wide}


def card_frame(text: str, width: int, height: int) -> np.ndarray:
    """The opening card: ``text`` (wrapped) in white on black, centred."""

    img = np.zeros((height, width, 3), np.uint8)
    cues = wrap_subtitle(text, max_cjk=14, max_latin=26, max_lines=4)
    lines = [ln for cue in cues for ln in cue] or [text]
    layer = render_text_layer(lines, width, max(8, round(height * 0.028)), style="subtitle")
    _paste(img, layer, (width - layer.shape[1]) // 2, (height - layer.shape[0]) // 2)
    return img


def save_png(img: np.ndarray, path) -> None:
    """Write an RGB array as PNG atomically."""
    import io  # noqa: PLC0415

    from PIL import Image  # noqa: PLC0415


    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", optimize=False)
    atomic_write_bytes(path, buf.getvalue())

"""Storyboard contact-sheet pages: thumbnails with their camera move drawn on, and the panel text.

A page is A4 landscape at 150 dpi (1754 × 1240) holding two rows of six
vertical panels. Each panel is the shot's still with the move marked on it (a
push-in's end frame inside the start frame, a pan's arrow, a shake's zigzag),
its number and size in a badge, a bar in the scene's colour, and under it the
shot id, size, angle, move, duration and the dialogue or description.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from reelwright.media.text import _tokens, load_font

__all__ = ["Panel", "thumbnail", "mark_move", "draw_page", "PAGE_SIZE", "PANELS_PER_PAGE", "THUMB_SIZE"]

PAGE_SIZE = (1754, 1240)
COLUMNS, ROWS = 6, 2
PANELS_PER_PAGE = COLUMNS * ROWS
THUMB_SIZE = (224, 398)
_INK = (28, 26, 34)
_GREY = (110, 108, 118)
_RED = (214, 48, 49)
_SCENE_COLOURS = [(66, 133, 244), (219, 68, 55), (244, 180, 0), (15, 157, 88), (171, 71, 188), (0, 172, 193),
                  (255, 112, 67), (124, 179, 66)]


@dataclass
class Panel:
    image: np.ndarray  # RGB thumbnail, THUMB_SIZE
    number: int
    shot_id: str
    scene: int
    size: str
    angle: str
    move: str
    seconds: float
    title: str  # e.g. "MAYA (afraid)" or "Insert: torn contract"
    dialogue: str = ""
    reason: str = ""
    sting: str | None = None
    notes: list[str] = field(default_factory=list)


def mark_move(still: np.ndarray, move: str, start: tuple[float, float, float, float],
              end: tuple[float, float, float, float]) -> np.ndarray:
    """Draw the camera move on a still: the start and end views (rectangles in still pixels) and an arrow."""
    img = Image.fromarray(np.ascontiguousarray(still)).convert("RGB")
    d = ImageDraw.Draw(img, "RGBA")
    w, h = img.size
    lw = max(2, w // 110)
    colour = (255, 214, 0, 255)
    if move in ("push_in", "pull_out"):
        inner = start if move == "pull_out" else end
        outer = end if move == "pull_out" else start
        d.rectangle(inner, outline=colour, width=lw)
        for (x0, y0), (x1, y1) in zip(((outer[0], outer[1]), (outer[2], outer[1]), (outer[0], outer[3]),
                                       (outer[2], outer[3])), ((inner[0], inner[1]), (inner[2], inner[1]),
                                                               (inner[0], inner[3]), (inner[2], inner[3]))):
            a, b = ((x0, y0), (x1, y1)) if move == "push_in" else ((x1, y1), (x0, y0))
            _arrow(d, a, b, colour, lw)
    elif move in ("pan_left", "pan_right", "tilt_up", "tilt_down"):
        d.rectangle(end, outline=colour, width=lw)
        a = ((start[0] + start[2]) / 2, (start[1] + start[3]) / 2)
        b = ((end[0] + end[2]) / 2, (end[1] + end[3]) / 2)
        if abs(b[0] - a[0]) + abs(b[1] - a[1]) < w * 0.05:  # too small to see: a fixed arrow
            dx = {"pan_left": -1, "pan_right": 1}.get(move, 0) * w * 0.25
            dy = {"tilt_up": -1, "tilt_down": 1}.get(move, 0) * h * 0.15
            a, b = (w / 2 - dx / 2, h / 2 - dy / 2), (w / 2 + dx / 2, h / 2 + dy / 2)
        _arrow(d, a, b, colour, lw * 2)
    elif move == "shake":
        pts = [(w * (0.3 + 0.4 * i / 8), h * 0.12 + (i % 2) * h * 0.03) for i in range(9)]
        d.line(pts, fill=colour, width=lw, joint="curve")
    return np.asarray(img)


def thumbnail(still: np.ndarray, move: str, start: tuple[float, float, float, float],
              end: tuple[float, float, float, float], size: tuple[int, int]) -> np.ndarray:
    """A panel picture: the whole still shrunk to ``size`` for moving shots (the start and end views, in
    still pixels, drawn on it), the framed view alone for static ones."""
    import cv2  # noqa: PLC0415

    h, w = still.shape[:2]
    if move in ("static", "shake"):
        x0, y0, x1, y1 = (int(round(v)) for v in start)
        still = still[max(y0, 0):min(y1, h), max(x0, 0):min(x1, w)]
        start = end = (0.0, 0.0, float(size[0]), float(size[1]))
        small = cv2.resize(still, size, interpolation=cv2.INTER_AREA)
        return mark_move(small, move, start, end)
    k = size[0] / w
    small = cv2.resize(still, size, interpolation=cv2.INTER_AREA)
    return mark_move(small, move, tuple(v * k for v in start), tuple(v * k for v in end))


def _arrow(d: ImageDraw.ImageDraw, a: tuple[float, float], b: tuple[float, float], colour, lw: int) -> None:
    d.line([a, b], fill=colour, width=lw)
    vx, vy = b[0] - a[0], b[1] - a[1]
    norm = max((vx * vx + vy * vy) ** 0.5, 1e-6)
    ux, uy = vx / norm, vy / norm
    s = lw * 4
    d.polygon([b, (b[0] - ux * s - uy * s * 0.6, b[1] - uy * s + ux * s * 0.6),
               (b[0] - ux * s + uy * s * 0.6, b[1] - uy * s - ux * s * 0.6)], fill=colour)


def _wrap(d: ImageDraw.ImageDraw, text: str, font, width: int, lines: int) -> list[str]:
    """Lines of at most ``width`` px: Latin words kept whole, CJK broken between characters (never before
    closing punctuation); an ellipsis when more than ``lines`` are needed."""

    out: list[str] = []
    line = ""
    for tok in _tokens(" ".join(text.split())):
        trial = line + tok
        if d.textlength(trial.strip(), font=font) <= width or not line.strip():
            line = trial
            while d.textlength(line.strip(), font=font) > width and len(line.strip()) > 1:  # a too-long word
                cut = len(line) - 1
                while cut > 1 and d.textlength(line[:cut], font=font) > width:
                    cut -= 1
                out.append(line[:cut].strip())
                line = line[cut:]
            continue
        out.append(line.strip())
        line = "" if tok == " " else tok
    if line.strip():
        out.append(line.strip())
    if len(out) > lines:
        out = out[:lines]
        while out[-1] and d.textlength(out[-1] + "…", font=font) > width:
            out[-1] = out[-1][:-1]
        out[-1] += "…"
    return out


def draw_page(panels: list[Panel], header: str, subheader: str, page: int, pages: int) -> Image.Image:
    """One contact-sheet page of up to :data:`PANELS_PER_PAGE` panels."""
    W, H = PAGE_SIZE
    img = Image.new("RGB", PAGE_SIZE, (250, 249, 246))
    d = ImageDraw.Draw(img)
    big, mid, small, tiny = load_font(30, 700), load_font(19, 700), load_font(17, 400), load_font(15, 400)
    d.text((40, 22), header, font=big, fill=_INK)
    d.text((40, 62), subheader, font=small, fill=_GREY)
    d.text((W - 40, 30), f"page {page}/{pages}", font=small, fill=_GREY, anchor="ra")
    d.line((40, 92, W - 40, 92), fill=(210, 208, 214), width=2)
    tw, th = THUMB_SIZE
    gap = (W - 80 - COLUMNS * tw) / (COLUMNS - 1)
    row_h = (H - 110) / ROWS
    for i, p in enumerate(panels[:PANELS_PER_PAGE]):
        x = round(40 + (i % COLUMNS) * (tw + gap))
        y = round(104 + (i // COLUMNS) * row_h)
        colour = _SCENE_COLOURS[(p.scene - 1) % len(_SCENE_COLOURS)]
        d.rectangle((x - 3, y - 3, x + tw + 2, y + th + 2), fill=_INK)
        img.paste(Image.fromarray(np.ascontiguousarray(p.image)), (x, y))
        d.rectangle((x, y + th - 6, x + tw - 1, y + th - 1), fill=colour)
        badge = f"{p.number}  {p.size}"
        bw = d.textlength(badge, font=mid) + 16
        d.rounded_rectangle((x + 6, y + 6, x + 6 + bw, y + 36), 6, fill=(20, 20, 26))
        d.text((x + 14, y + 9), badge, font=mid, fill=(255, 255, 255))
        if p.sting:
            label = "STING" if p.sting == "hit" else "CLIFF"
            sw = d.textlength(label, font=tiny) + 12
            d.rounded_rectangle((x + tw - 6 - sw, y + 8, x + tw - 6, y + 32), 5, fill=_RED)
            d.text((x + tw - 12 - sw + 6, y + 11), label, font=tiny, fill=(255, 255, 255))
        ty = y + th + 8
        d.text((x, ty), p.shot_id, font=mid, fill=colour)
        d.text((x + tw, ty + 2), f"{p.seconds:.1f}s", font=small, fill=_INK, anchor="ra")
        ty += 26
        move = p.move.replace("_", " ")
        d.text((x, ty), f"{p.size} · {p.angle} · {move}", font=small, fill=_INK)
        ty += 23
        for line in _wrap(d, p.title, tiny, tw, 2 if p.dialogue else 5):
            d.text((x, ty), line, font=tiny, fill=_GREY)
            ty += 20
        if p.dialogue:
            for line in _wrap(d, p.dialogue, small, tw, 3):
                d.text((x, ty), line, font=small, fill=_INK)
                ty += 22
    return img

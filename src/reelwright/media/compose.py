"""One still per shot: a procedural background plus DiceBear characters framed by shot size.

Framing follows the storyboard: ECU/CU/MCU single faces, MS and 2S waist-up groups,
WS/EWS small full figures standing in the set, OTS with the listener's dark blurred
shoulder in front, INSERT a drawn prop with the shot text as its label, POV the set
seen through someone's eyes. Faces stay above the subtitle band (the lower 22%) and
inside the 9:16 safe zone; a character on the left is mirrored to face right.
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from PIL import Image, ImageDraw

from reelwright.documents.bible import Look
from reelwright.documents.storyboard import Shot
from reelwright.media.avatar import (
    AVATAAARS_FACE_BOX,
    AVATAAARS_MOUTH_BOX,
    avatar_colors,
    render_avatar,
)
from reelwright.media.background import render_background
from reelwright.media.text import load_font, wrap_subtitle

__all__ = ["Placement", "layout_shot", "compose_still", "SUBTITLE_BAND", "MAX_AVATAR_PIXELS"]

SUBTITLE_BAND = 0.22  # lower fraction of the frame kept free of faces
MAX_AVATAR_PIXELS = 1_600_000  # rasterise at most this many avatar pixels; upscale beyond
_U = 280.0  # avataaars canvas units
_FACE_CX, _FACE_CY = 140.0, 111.0
_CHIN = AVATAAARS_FACE_BOX[3]
_TORSO, _LEGS = 66.0, 132.0  # full figures: torso below the bust, then legs (units)
_FEET = _U + _TORSO + _LEGS + 12.0
_INK = (38, 32, 44)
_TROUSERS = ("2f3542", "3b4a6b", "4a4a4a", "5b4b3b", "22303f", "6b6f78")


@dataclass(frozen=True)
class Placement:
    """Where one character goes: avatar canvas size ``scale`` (px), face centre (frame px)."""

    name: str
    scale: float
    cx: float
    cy: float
    body: Literal["bust", "full"]
    flip: bool
    expression: str
    mouth_open: bool

    @property
    def face_box(self) -> tuple[float, float, float, float]:
        k = self.scale / _U
        x0, y0, x1, y1 = AVATAAARS_FACE_BOX
        return (self.cx + (x0 - _FACE_CX) * k, self.cy + (y0 - _FACE_CY) * k,
                self.cx + (x1 - _FACE_CX) * k, self.cy + (y1 - _FACE_CY) * k)


def _val(v: object) -> str:
    return str(getattr(v, "value", v))


def _cast(shot: Shot) -> tuple[list[str], str | None]:
    people = list(dict.fromkeys(s for s in shot.subjects if s))
    primary = shot.speaker if shot.speaker in people else (people[0] if people else None)
    return people, primary


def _side(shot: Shot, name: str, index: int, count: int) -> str:
    if name in shot.sides:
        return str(shot.sides[name])
    if count == 1:
        return "center"
    if index == 0:
        return "left"
    return "right" if index == count - 1 else "center"


def layout_shot(shot: Shot, width: int, height: int, *, speaker_mouth_open: bool = False) -> list[Placement]:
    """Character placements for ``shot`` in a ``width`` x ``height`` frame (no drawing)."""
    size, angle = _val(shot.size), _val(shot.angle)
    W, H = float(width), float(height)
    u = min(W, H * 9 / 16)  # the 9:16 safe width
    people, primary = _cast(shot)
    spots: list[tuple[str, float, float, float, Literal["bust", "full"]]] = []  # name, S, cx, cy|feet
    if size in ("ECU", "CU", "MCU") and primary:
        s = {"ECU": 2.5, "CU": 1.7, "MCU": 1.2}[size] * u
        cy = {"ECU": 0.34, "CU": 0.42, "MCU": 0.38}[size] * H
        nudge = {"left": -0.05, "right": 0.05}.get(_side(shot, primary, people.index(primary), len(people)), 0.0)
        spots.append((primary, s, W / 2 + nudge * u * (0 if size == "ECU" else 1), cy, "bust"))
    elif size == "OTS" and primary:
        listener_left = shot.sides.get(primary, "right") != "left"
        spots.append((primary, 1.05 * u, W / 2 + (0.15 if listener_left else -0.15) * u, 0.36 * H, "bust"))
    elif size in ("MS", "2S", "POV"):
        group = people[1:] if size == "POV" else people
        group = group[:2] if size == "2S" else group[:3]
        n = len(group)
        if n:
            s = ({1: 0.95, 2: 0.78, 3: 0.6} if size != "2S" else {1: 1.0, 2: 0.86})[n] * u
            xs = {1: [0.5], 2: [0.27, 0.73], 3: [0.18, 0.5, 0.82]}[n]
            cy = (0.38 if size == "2S" else 0.4) * H
            for i, name in enumerate(group):  # waist-up: full bodies cut by the frame
                spots.append((name, s, W / 2 + (xs[i] - 0.5) * u * 1.05, cy + (_FEET - _FACE_CY) * s / _U, "full"))
    elif size in ("WS", "EWS"):
        group = people[:5]
        n = len(group)
        tall, feet = (0.3, 0.84) if size == "WS" else (0.21, 0.8)
        s = tall * H * _U / (_FEET - 8)
        for i, name in enumerate(group):
            x = 0.5 if n == 1 else 0.5 + (i / (n - 1) - 0.5) * {2: 0.46, 3: 0.6, 4: 0.68, 5: 0.74}[n]
            spots.append((name, s, W / 2 + (x - 0.5) * u, feet * H - (i % 2) * 0.012 * H * (n > 3), "full"))
    out: list[Placement] = []
    for name, s, cx, y, body in spots:
        if angle == "high":
            s *= 0.86
            y += 0.035 * H
        elif angle == "low":
            s *= 1.1
            y -= 0.03 * H
        k = s / _U
        cy = y - (_FEET - _FACE_CY) * k if body == "full" else y
        limit = (1 - SUBTITLE_BAND - 0.04) * H  # margin for a dutch rotation
        cy -= max(0.0, cy + (_CHIN - _FACE_CY) * k - limit)
        cy = max(cy, min(0.1 * H + (_FACE_CY - 36) * k, 0.3 * H))  # the top of the head below the UI strip
        index = people.index(name)
        side = _side(shot, name, index, len(people))
        out.append(Placement(name=name, scale=s, cx=cx, cy=cy, body=body, flip=side == "left",
                             expression=str(shot.expressions.get(name, "neutral")),
                             mouth_open=bool(speaker_mouth_open and name == shot.speaker)))
    return out


# --- drawing ---------------------------------------------------------------------------------------

def _hex(code: str) -> tuple[int, int, int]:
    code = code.lstrip("#")
    return (int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16))


def _over(dst: np.ndarray, src: np.ndarray, x: int, y: int, color: tuple[int, int, int] | None = None) -> None:
    """Alpha-composite straight-alpha RGBA ``src`` onto RGB ``dst`` at (x, y), clipped.

    With ``color``, ``src`` may be a bare alpha plane, filled with that colour.
    """
    h, w = src.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, dst.shape[1]), min(y + h, dst.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    s = src[y0 - y:y1 - y, x0 - x:x1 - x]
    a = (s if s.ndim == 2 else s[..., 3]).astype(np.float32)
    a *= 1 / 255
    d = dst[y0:y1, x0:x1]
    rgb = np.empty_like(d)
    rgb[:] = color if color is not None else s[..., :3]
    d[:] = cv2.blendLinear(rgb, np.ascontiguousarray(d), a, 1 - a)


def _paint_layers(dst: np.ndarray, ring: np.ndarray, layer: np.ndarray, x: int, y: int,
                  ink: tuple[int, int, int]) -> None:
    """``layer`` (straight-alpha RGBA) over its ``ring`` of ``ink`` (an alpha plane, the layer's alpha dilated)
    over RGB ``dst`` at (x, y), clipped: the two :func:`_over` calls in one pass that copies the layer's
    opaque inside and blends only the outline's band (±1 per channel from the two passes' rounding)."""
    h, w = layer.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, dst.shape[1]), min(y + h, dst.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    lay, rim = layer[y0 - y:y1 - y, x0 - x:x1 - x], ring[y0 - y:y1 - y, x0 - x:x1 - x]
    d = dst[y0:y1, x0:x1]
    alpha = lay[..., 3]
    rgb = cv2.cvtColor(lay, cv2.COLOR_RGBA2RGB)
    cv2.copyTo(rgb, cv2.compare(alpha, 255, cv2.CMP_EQ), d)  # a view: written in place
    band = cv2.findNonZero(cv2.bitwise_and(cv2.compare(rim, 0, cv2.CMP_GT), cv2.compare(alpha, 255, cv2.CMP_LT)))
    if band is None:
        return
    xs, ys = band.reshape(-1, 2).T
    a = (alpha[ys, xs].astype(np.float32) * (1 / 255))[:, None]
    r = (rim[ys, xs].astype(np.float32) * (1 / 255))[:, None]
    under = np.rint(np.asarray(ink, np.float32) * r + d[ys, xs] * (1 - r))
    d[ys, xs] = np.clip(np.rint(rgb[ys, xs] * a + under * (1 - a)), 0, 255).astype(np.uint8)


def _avatar_patch(look: Look, p: Placement, ax: float, ay: float, box: tuple[int, int, int, int]) -> np.ndarray:
    """The visible part ``box`` (canvas px) of the avatar whose canvas starts at (ax, ay)."""
    x0, y0, x1, y1 = box
    fx0, fx1 = (x0 - ax) / p.scale, (x1 - ax) / p.scale
    fy0, fy1 = (y0 - ay) / p.scale, (y1 - ay) / p.scale
    if p.flip:
        fx0, fx1 = 1 - fx1, 1 - fx0
    pixels = (x1 - x0) * (y1 - y0)
    k = min(1.0, math.sqrt(MAX_AVATAR_PIXELS / max(pixels, 1)))
    size = max(8, round(p.scale * k))
    if (look.style or "avataaars") != "avataaars":
        patch = render_avatar(look, p.expression, p.mouth_open, size, region=(fx0, fy0, fx1, fy1))
    else:  # the closed-mouth face once per framing (cached); an open mouth re-rasterises only the mouth box
        # and takes its pixels where both are opaque: the jaw's edge stays as drawn (no seam there)
        patch = render_avatar(look, p.expression, False, size, region=(fx0, fy0, fx1, fy1))
        h, w = patch.shape[:2]
        bx0, by0, bx1, by1 = (v / _U for v in AVATAAARS_MOUTH_BOX)
        i0, i1 = max(0, math.floor((bx0 - fx0) * size)), min(w, math.ceil((bx1 - fx0) * size))
        j0, j1 = max(0, math.floor((by0 - fy0) * size)), min(h, math.ceil((by1 - fy0) * size))
        if p.mouth_open and i1 > i0 and j1 > j0:
            mouth = render_avatar(look, p.expression, True, size,
                                  region=(fx0 + i0 / size, fy0 + j0 / size, fx0 + i1 / size, fy0 + j1 / size))
            patch = patch.copy()
            skin = patch[j0:j0 + mouth.shape[0], i0:i0 + mouth.shape[1]]
            lips = mouth[:skin.shape[0], :skin.shape[1]]
            np.copyto(skin, lips, where=(skin[..., 3:] == 255) & (lips[..., 3:] == 255))
    if patch.shape[:2] != (y1 - y0, x1 - x0):
        patch = cv2.resize(patch, (x1 - x0, y1 - y0), interpolation=cv2.INTER_CUBIC)
    return patch[:, ::-1] if p.flip else patch


def _paint_figure(canvas: np.ndarray, look: Look, p: Placement, ox: float, oy: float) -> None:
    CH, CW = canvas.shape[:2]
    k = p.scale / _U
    ax, ay = ox + p.cx - _FACE_CX * k, oy + p.cy - _FACE_CY * k
    bottom = ay + _FEET * k if p.body == "full" else CH
    t = int(np.clip(p.scale * 0.006, 2, 7))
    pad = t + 2
    bx0, by0 = max(0, math.floor(ax + 30 * k) - pad), max(0, math.floor(ay) - pad)
    bx1, by1 = min(CW, math.ceil(ax + 250 * k) + pad), min(CH, math.ceil(bottom) + pad)
    if bx1 <= bx0 or by1 <= by0:
        return
    layer = np.zeros((by1 - by0, bx1 - bx0, 4), np.uint8)
    vx0, vx1 = max(bx0, math.ceil(ax)), min(bx1, math.floor(ax + p.scale))
    vy0, vy1 = max(by0, math.ceil(ay)), min(by1, math.floor(ay + p.scale))
    colors = avatar_colors(look)
    if vy1 > vy0 and vx1 > vx0:
        patch = _avatar_patch(look, p, ax, ay, (vx0, vy0, vx1, vy1))
        layer[vy0 - by0:vy1 - by0, vx0 - bx0:vx1 - bx0] = patch
        row = math.floor(ay + p.scale * (276 / _U)) - by0  # a row of clothes just above the bust's edge
        if vy1 < by1 and vy1 >= ay + p.scale - 2 and 0 <= row < vy1 - by0:  # continue the clothes below
            last = layer[row:row + 1]
            layer[row:vy1 - by0] = last
            end = by1 - by0 if p.body == "bust" else min(by1 - by0, round(ay + (_U + _TORSO) * k) - by0)
            layer[vy1 - by0:end] = last
    if p.body == "full":
        _legs(layer, look, colors, ax - bx0, ay - by0, k, t)
    ring = cv2.dilate(layer[..., 3], cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * t + 1, 2 * t + 1)))
    if p.body == "full":  # a contact shadow grounds the figure
        fy, fx = ay + _FEET * k, ax + _FACE_CX * k
        shadow = canvas[max(0, int(fy - 14 * k)):int(fy + 14 * k), max(0, int(fx - 110 * k)):int(fx + 110 * k)]
        if shadow.size:
            mask = np.zeros(shadow.shape[:2], np.uint8)
            cv2.ellipse(mask, (mask.shape[1] // 2, mask.shape[0] // 2), (mask.shape[1] // 2, mask.shape[0] // 3),
                        0, 0, 360, 90, -1, cv2.LINE_AA)
            shadow[:] = (shadow * (1 - mask[..., None] / 255.0 * 0.6)).astype(np.uint8)
    _paint_layers(canvas, ring, layer, bx0, by0, _INK)  # the figure over its ink outline


def _legs(layer: np.ndarray, look: Look, colors: dict[str, str], ax: float, ay: float, k: float, t: int) -> None:
    """Taper the torso, then sleeves, hands, legs and shoes below the DiceBear bust (layer px)."""
    digest = hashlib.sha256(look.seed.encode()).digest()
    trousers = (*_hex(_TROUSERS[digest[0] % len(_TROUSERS)]), 255)
    skin = (*_hex(colors.get("skin", "#e2b99d")), 255)
    shoe = (40, 34, 36, 255)
    ink = (*_INK, 255)
    waist = ay + (_U + _TORSO) * k

    def X(units: float) -> int:
        return round(ax + units * k)

    def Y(units: float) -> int:
        return round(ay + units * k)

    sleeve_y = min(max(Y(262), 0), layer.shape[0] - 1)
    sleeve = tuple(int(v) for v in layer[sleeve_y, min(max(X(48), 0), layer.shape[1] - 1)])
    if sleeve[3] < 200:
        sleeve = (*_hex(colors.get("clothes", "#3c4f5c")), 255)
    y_taper = max(Y(268), 0)
    for y in range(y_taper, min(round(waist), layer.shape[0])):  # the torso narrows to the waist
        f = min(1.0, (y - y_taper) / max(1.0, 40 * k))
        layer[y, :max(0, X(40 + 22 * f))] = 0
        layer[y, max(0, X(240 - 22 * f)):] = 0
    for x0, x1 in ((62, 138), (142, 218)):  # legs
        cv2.rectangle(layer, (X(x0 + 6), round(waist - 8 * k)), (X(x1 - 6), round(waist + _LEGS * k)), trousers, -1)
    cv2.rectangle(layer, (X(62), round(waist - 10 * k)), (X(218), round(waist + 22 * k)), trousers, -1)
    cv2.line(layer, (X(62), round(waist - 10 * k)), (X(218), round(waist - 10 * k)), ink, max(1, t // 2))
    for x in (97, 183):  # shoes
        cv2.ellipse(layer, (X(x + (-6 if x < 140 else 6)), round(waist + (_LEGS + 4) * k)),
                    (max(2, round(40 * k)), max(2, round(14 * k))), 0, 180, 360, shoe, -1, cv2.LINE_AA)
        cv2.rectangle(layer, (X(x - 46 if x < 140 else x - 34), round(waist + (_LEGS + 2) * k)),
                      (X(x + 34 if x < 140 else x + 46), round(waist + (_LEGS + 11) * k)), shoe, -1)
    arm = max(3, round(30 * k))
    for top, hand in ((56, 44), (224, 236)):  # arms hang from the shoulders, hands below
        p0, p1 = (X(top), Y(262)), (X(hand), round(waist + 4 * k))
        cv2.line(layer, p0, p1, ink, arm + 2 * max(1, t // 2), cv2.LINE_AA)
        cv2.line(layer, p0, p1, sleeve, arm, cv2.LINE_AA)
        cv2.circle(layer, (X(hand), round(waist + 16 * k)), max(2, round(15 * k)), skin, -1, cv2.LINE_AA)


def _listener(canvas: np.ndarray, look: Look, left: bool, ox: float, oy: float, W: float, H: float) -> None:
    """The listener's back of head and shoulder, large, dark and blurred in the foreground."""
    colors = avatar_colors(look)
    hair, clothes = _hex(colors.get("hair", "#2c1b18")), _hex(colors.get("clothes", "#3c4f5c"))
    skin = _hex(colors.get("skin", "#e2b99d"))
    scale = 4
    h, w = canvas.shape[0] // scale, canvas.shape[1] // scale
    layer = np.zeros((h, w, 4), np.uint8)
    u = min(W, H * 9 / 16) / scale
    sx = -1 if left else 1
    hx, hy = (ox + W / 2) / scale + sx * 0.36 * u, (oy + 0.64 * H) / scale

    def dark(c: tuple[int, int, int], k: float = 0.3) -> tuple[int, int, int, int]:
        return (int(c[0] * k + 8), int(c[1] * k + 8), int(c[2] * k + 12), 255)

    cv2.ellipse(layer, (int(hx + sx * 0.05 * u), int(hy + 0.62 * u)), (int(0.62 * u), int(0.36 * u)),
                0, 180, 360, dark(clothes), -1, cv2.LINE_AA)
    cv2.rectangle(layer, (int(hx + sx * 0.05 * u - 0.62 * u), int(hy + 0.62 * u)),
                  (int(hx + sx * 0.05 * u + 0.62 * u), h), dark(clothes), -1, cv2.LINE_AA)
    cv2.rectangle(layer, (int(hx - 0.13 * u), int(hy + 0.1 * u)), (int(hx + 0.13 * u), int(hy + 0.4 * u)),
                  dark(skin, 0.22), -1, cv2.LINE_AA)
    cv2.ellipse(layer, (int(hx - sx * 0.2 * u), int(hy + 0.02 * u)), (int(0.05 * u), int(0.08 * u)), 0, 0, 360,
                dark(skin, 0.22), -1, cv2.LINE_AA)
    cv2.ellipse(layer, (int(hx), int(hy - 0.06 * u)), (int(0.23 * u), int(0.27 * u)), sx * 10, 0, 360,
                dark(hair, 0.45), -1, cv2.LINE_AA)
    blur = max(1, int(0.02 * u))
    layer = cv2.GaussianBlur(layer, (blur * 2 + 1, blur * 2 + 1), 0)
    big = cv2.resize(layer, (canvas.shape[1], canvas.shape[0]), interpolation=cv2.INTER_LINEAR)
    _over(canvas, big, 0, 0)


def _insert(canvas: np.ndarray, shot: Shot, ox: float, oy: float, W: float, H: float) -> None:
    """A drawn prop (phone, document, photo, ring box) with the shot's caption/text as its label."""
    label = (shot.caption or shot.text or shot.location or "").strip()
    low = label.casefold()
    kind = "document"
    for name, words in (("phone", ("phone", "message", "text", "call", "手机", "短信", "微信", "电话", "消息")),
                        ("ring", ("ring", "戒指", "钻戒")), ("photo", ("photo", "picture", "照片", "相片", "合影"))):
        if any(wd in low for wd in words):
            kind = name
            break
    u = min(W, H * 9 / 16)
    pw, ph = {"phone": (0.5, 0.95), "document": (0.72, 0.92), "photo": (0.68, 0.78), "ring": (0.6, 0.5)}[kind]
    pw, ph = int(pw * u), int(ph * u)
    img = Image.new("RGBA", (pw, ph), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    r = int(0.06 * u)
    lw = max(2, int(u / 250))
    fs = int(u * (0.055 if kind != "phone" else 0.045))
    text_box = (0.1, 0.1, 0.9, 0.4)
    if kind == "phone":
        d.rounded_rectangle((0, 0, pw - 1, ph - 1), r, fill=(30, 32, 38), outline=_INK, width=lw)
        d.rounded_rectangle((pw * 0.06, ph * 0.05, pw * 0.94, ph * 0.95), r // 2, fill=(236, 240, 245))
        d.rounded_rectangle((pw * 0.1, ph * 0.16, pw * 0.9, ph * 0.46), r // 2, fill=(149, 236, 105))
        text_box = (0.14, 0.18, 0.86, 0.44)
    elif kind == "document":
        d.rectangle((0, 0, pw - 1, ph - 1), fill=(250, 247, 238), outline=_INK, width=lw)
        for i in range(9):
            y = ph * (0.45 + i * 0.05)
            d.line((pw * 0.1, y, pw * (0.9 if i % 3 else 0.7), y), fill=(175, 175, 180), width=lw)
        d.ellipse((pw * 0.62, ph * 0.78, pw * 0.86, ph * 0.78 + pw * 0.24), outline=(210, 40, 40), width=lw * 2)
    elif kind == "photo":
        d.rectangle((0, 0, pw - 1, ph - 1), fill=(252, 252, 250), outline=_INK, width=lw)
        inner = (int(pw * 0.07), int(ph * 0.06), int(pw * 0.93), int(ph * 0.72))
        scene = render_background(shot.location or "photo", shot.interior, shot.night,
                                  inner[2] - inner[0], inner[3] - inner[1])
        img.paste(Image.fromarray(np.ascontiguousarray(scene)), inner[:2])
        text_box = (0.08, 0.74, 0.92, 0.98)
    else:
        d.rounded_rectangle((pw * 0.15, ph * 0.35, pw * 0.85, ph * 0.98), r, fill=(150, 30, 45), outline=_INK, width=lw)
        d.ellipse((pw * 0.3, ph * 0.02, pw * 0.7, ph * 0.5), outline=(226, 186, 80), width=max(4, lw * 4))
        d.polygon([(pw * 0.5, ph * 0.0), (pw * 0.58, ph * 0.08), (pw * 0.5, ph * 0.14), (pw * 0.42, ph * 0.08)],
                  fill=(220, 240, 255), outline=_INK)
        text_box = (0.2, 0.55, 0.8, 0.95)
    if label:
        cues = wrap_subtitle(label, max_cjk=9, max_latin=16, max_lines=3)
        lines = cues[0] if cues else []
        font = load_font(fs, 700)
        bx0, by0, bx1, by1 = (pw * text_box[0], ph * text_box[1], pw * text_box[2], ph * text_box[3])
        total = len(lines) * fs * 1.3
        for i, line in enumerate(lines):
            tw = d.textlength(line, font=font)
            d.text(((bx0 + bx1 - tw) / 2, (by0 + by1 - total) / 2 + i * fs * 1.3), line, font=font, fill=(30, 28, 32))
    arr = np.asarray(img)
    x, y = int(ox + (W - pw) / 2), int(oy + min(0.4 * H - ph / 2, 0.76 * H - ph))
    shadow = np.zeros_like(arr)
    shadow[..., 3] = (arr[..., 3] * 0.45).astype(np.uint8)
    shadow = cv2.GaussianBlur(shadow, (0, 0), u * 0.012)
    _over(canvas, shadow, x + int(u * 0.02), y + int(u * 0.03))
    _over(canvas, arr, x, y)


def _background(shot: Shot, CW: int, CH: int, size: str, angle: str) -> np.ndarray:
    """The shot's set, framed and blurred for its size: a fresh array the caller may paint on."""
    return _framed_background(shot.location, shot.interior, shot.night, CW, CH, size, angle).copy()


@lru_cache(maxsize=2)  # a shot's mouth-shut and mouth-open stills share it
def _framed_background(location: str, interior: bool, night: bool, CW: int, CH: int, size: str,
                       angle: str) -> np.ndarray:
    horizon = None
    if angle == "high":
        horizon = 0.5 if interior else 0.46
    elif angle == "low":
        horizon = 0.7 if interior else 0.68
    base = render_background(location, interior, night, CW, CH, horizon=horizon)
    zoom = {"ECU": 2.2, "CU": 1.8, "MCU": 1.45, "OTS": 1.35, "MS": 1.15, "2S": 1.15, "INSERT": 1.6,
            "POV": 1.05}.get(size, 1.0)
    blur = {"ECU": 0.012, "CU": 0.008, "MCU": 0.005, "OTS": 0.005, "INSERT": 0.01, "MS": 0.0015,
            "2S": 0.0015}.get(size, 0.0)
    if zoom == 1.0 and blur == 0.0:
        return base
    hz = (horizon or (0.6 if interior else 0.56)) * CH
    w, h = CW / zoom, CH / zoom
    x0 = (CW - w) / 2
    y0 = min(max(hz - h * (hz / CH), 0.0), CH - h)
    crop = base[int(y0):int(y0 + h), int(x0):int(x0 + w)]
    if blur:
        crop = cv2.GaussianBlur(crop, (0, 0), blur * crop.shape[1])
    out = cv2.resize(crop, (CW, CH), interpolation=cv2.INTER_LINEAR)
    if size in ("INSERT",):
        out = (out * 0.55).astype(np.uint8)
    return out


def compose_still(shot: Shot, looks: dict[str, Look], width: int, height: int, *,
                  speaker_mouth_open: bool = False) -> np.ndarray:
    """The RGB uint8 still (``height`` x ``width``) for ``shot``; ``looks`` by character name."""
    size, angle = _val(shot.size), _val(shot.angle)
    W, H = int(width), int(height)
    theta = 0.0
    if angle == "dutch":
        theta = 9.0 if int(hashlib.sha256(shot.id.encode()).hexdigest(), 16) % 2 else -9.0
    c, s = math.cos(math.radians(theta)), abs(math.sin(math.radians(theta)))
    CW, CH = math.ceil(W * c + H * s) + 2, math.ceil(W * s + H * c) + 2
    ox, oy = (CW - W) / 2, (CH - H) / 2
    canvas = _background(shot, CW, CH, size, angle)
    placements = layout_shot(shot, W, H, speaker_mouth_open=speaker_mouth_open)

    def look_of(name: str) -> Look:
        return looks.get(name) or Look(seed=name)

    for p in sorted(placements, key=lambda q: q.scale):
        _paint_figure(canvas, look_of(p.name), p, ox, oy)
    people, primary = _cast(shot)
    if size == "OTS":
        others = [n for n in people if n != primary]
        listener = others[0] if others else f"{primary or 'someone'}:listener"
        left = shot.sides.get(listener, "left" if shot.sides.get(primary or "", "right") != "left" else "right")
        _listener(canvas, look_of(listener), left != "right", ox, oy, W, H)
    elif size == "INSERT":
        _insert(canvas, shot, ox, oy, W, H)
    if size == "POV":
        yy, xx = np.mgrid[0:CH // 8 + 1, 0:CW // 8 + 1].astype(np.float32)
        r2 = ((xx * 8 - CW / 2) / (W * 0.62)) ** 2 + ((yy * 8 - CH / 2) / (H * 0.6)) ** 2
        mask = cv2.resize(np.clip(1.0 - 0.55 * r2 ** 1.5, 0.35, 1.0), (CW, CH))
        canvas = (canvas * mask[..., None]).astype(np.uint8)
    if theta:
        m = cv2.getRotationMatrix2D((CW / 2, CH / 2), theta, 1.0)
        m[0, 2] -= ox
        m[1, 2] -= oy
        return cv2.warpAffine(canvas, m, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return np.ascontiguousarray(canvas[int(oy):int(oy) + H, int(ox):int(ox) + W])

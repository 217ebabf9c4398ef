"""Procedural flat comic backgrounds, one recognisable setting per location name.

Everything (palette, layout, props) is drawn from a hash of the location name and the
seed, so a location looks the same every time it returns; ``night`` only regrades the
colours and switches the lights on. Shapes are anti-aliased OpenCV primitives with ink
outlines. Keywords steer the kind of place (street, park, office, kitchen, hospital,
car, bedroom, 客厅, 办公室, 街道, 医院 …); any other name still gets a plausible room or street.
"""

from __future__ import annotations

import colorsys
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

__all__ = ["render_background", "location_kind", "clear_cache", "INTERIOR_KINDS", "EXTERIOR_KINDS"]

RGB = tuple[int, int, int]
INK: RGB = (38, 32, 44)

_KEYWORDS: dict[str, tuple[str, ...]] = {
    "car": ("car", "taxi", "vehicle", "车里", "车内", "车上", "出租车", "轿车", "驾驶"),
    "hospital": ("hospital", "clinic", "ward", "icu", "医院", "病房", "诊所", "急诊", "手术"),
    "kitchen": ("kitchen", "厨房"),
    "bedroom": ("bedroom", "dorm", "卧室", "宿舍", "房间", "卧房"),
    "office": ("office", "meeting", "boardroom", "company", "study", "ceo", "办公", "公司", "会议",
               "书房", "总裁", "集团"),
    "cafe": ("cafe", "café", "coffee", "restaurant", "bar", "diner", "咖啡", "餐厅", "饭店", "酒吧", "餐馆"),
    "living": ("living", "lounge", "home", "apartment", "house", "villa", "客厅", "家", "公寓", "别墅", "大厅"),
    "water": ("river", "lake", "sea", "beach", "bridge", "harbor", "pier", "江", "河", "湖", "海", "桥", "码头"),
    "park": ("park", "garden", "forest", "wood", "field", "公园", "花园", "树林", "森林", "山", "草地", "campus", "校园"),
    "rooftop": ("roof", "天台", "楼顶", "屋顶"),
    "gate": ("gate", "entrance", "door", "lobby", "门口", "大门", "楼下", "门外", "门前"),
    "street": ("street", "road", "city", "alley", "avenue", "downtown", "square", "街", "路", "城", "巷",
               "广场", "马路"),
}
INTERIOR_KINDS = ("living", "bedroom", "office", "kitchen", "hospital", "cafe", "car")
EXTERIOR_KINDS = ("street", "park", "water", "rooftop", "gate")


def location_kind(location: str, interior: bool) -> str:
    """The kind of place a location name suggests (keywords first, then a stable hash pick)."""
    name = location.casefold()
    allowed = INTERIOR_KINDS if interior else EXTERIOR_KINDS
    for kind, words in _KEYWORDS.items():
        if kind in allowed and any(w in name for w in words):
            return kind
    if interior and any(w in name for w in _KEYWORDS["street"] + _KEYWORDS["park"]):
        return "living"
    fallback = ("living", "office", "bedroom", "cafe") if interior else ("street", "park", "gate")
    return fallback[int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(fallback)]


def _hex(code: str) -> RGB:
    return (int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16))


def _shift(c: RGB, hue: float = 0.0, light: float = 0.0) -> RGB:
    h, lum, s = colorsys.rgb_to_hls(*(v / 255 for v in c))
    r, g, b = colorsys.hls_to_rgb((h + hue) % 1.0, min(1, max(0, lum + light)), s)
    return (round(r * 255), round(g * 255), round(b * 255))


@dataclass
class _Canvas:
    """An RGB image plus the drawing state: rng, night grade, deferred lights and glows."""

    img: np.ndarray
    rng: np.random.Generator
    night: bool
    hue: float
    t: int
    glows: list[tuple[float, float, float, RGB, float]] = field(default_factory=list)

    @property
    def w(self) -> int:
        return int(self.img.shape[1])

    @property
    def h(self) -> int:
        return int(self.img.shape[0])

    def c(self, code: str | RGB, light: float = 0.0) -> RGB:
        """A scene colour: hue-jittered per location, graded blue-dark at night."""
        rgb = _hex(code) if isinstance(code, str) else code
        rgb = _shift(rgb, self.hue, light)
        if self.night:
            rgb = (round(rgb[0] * 0.36 + 8), round(rgb[1] * 0.40 + 10), round(rgb[2] * 0.55 + 24))
        return rgb

    def lit(self, code: str) -> RGB:
        """A light source's colour: never graded."""
        return _hex(code)

    def u(self) -> float:
        return float(self.rng.random())

    # -- primitives (coordinates in pixels, floats welcome) --
    def poly(self, pts: list[tuple[float, float]], fill: RGB | None, ink: bool = True, t: int = 0) -> None:
        arr = (np.asarray(pts, np.float64) * 16).round().astype(np.int32).reshape(-1, 1, 2)
        if fill is not None:
            cv2.fillPoly(self.img, [arr], fill, cv2.LINE_AA, shift=4)
        if ink:
            cv2.polylines(self.img, [arr], True, INK, t or self.t, cv2.LINE_AA, shift=4)

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: RGB | None, ink: bool = True,
             r: float = 0.0, t: int = 0) -> None:
        if r <= 0:
            self.poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], fill, ink, t)
            return
        r = min(r, (x1 - x0) / 2, (y1 - y0) / 2)
        pts: list[tuple[float, float]] = []
        for cx, cy, a0 in ((x1 - r, y0 + r, 270), (x1 - r, y1 - r, 0), (x0 + r, y1 - r, 90), (x0 + r, y0 + r, 180)):
            for a in range(a0, a0 + 91, 15):
                pts.append((cx + r * np.cos(np.radians(a)), cy + r * np.sin(np.radians(a))))
        self.poly(pts, fill, ink, t)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, fill: RGB | None, ink: bool = True) -> None:
        pts = [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 48, endpoint=False)]
        self.poly(pts, fill, ink)

    def line(self, x0: float, y0: float, x1: float, y1: float, color: RGB = INK, t: int = 0) -> None:
        p0 = (round(x0 * 16), round(y0 * 16))
        p1 = (round(x1 * 16), round(y1 * 16))
        cv2.line(self.img, p0, p1, color, t or self.t, cv2.LINE_AA, shift=4)

    def vgrad(self, x0: float, y0: float, x1: float, y1: float, top: RGB, bottom: RGB) -> None:
        ya, yb, xa, xb = max(0, int(y0)), min(self.h, int(y1)), max(0, int(x0)), min(self.w, int(x1))
        if yb <= ya or xb <= xa:
            return
        k = np.linspace(0.0, 1.0, yb - ya, dtype=np.float32)[:, None]
        col = (np.asarray(top, np.float32) * (1 - k) + np.asarray(bottom, np.float32) * k).astype(np.uint8)
        self.img[ya:yb, xa:xb] = col[:, None, :]

    def glow(self, x: float, y: float, radius: float, color: str, strength: float = 0.8) -> None:
        if self.night:
            self.glows.append((x, y, radius, _hex(color), strength))


# --- props -----------------------------------------------------------------------------------------

def _sky(cv: _Canvas, y1: float) -> None:
    # Same rng draws by day and by night, so the rest of the layout does not move.
    stars = [(cv.u() * cv.w, cv.u() * y1 * 0.92, 1 + cv.u() * cv.t * 0.9) for _ in range(70)]
    mx, my, mr = cv.w * (0.2 + 0.6 * cv.u()), y1 * (0.12 + 0.2 * cv.u()), cv.w * 0.07
    clouds = [(cv.w * cv.u(), y1 * (0.1 + 0.5 * cv.u()), cv.w * (0.08 + 0.06 * cv.u())) for _ in range(3)]
    if cv.night:
        cv.vgrad(0, 0, cv.w, y1, cv.lit("0b1030"), cv.lit("2a3868"))
        for x, y, r in stars:
            cv2.circle(cv.img, (int(x), int(y)), int(r), cv.lit("fff6d8"), -1, cv2.LINE_AA)
        cv.ellipse(mx, my, mr, mr, cv.lit("fff3c4"), ink=False)
        cv.ellipse(mx + mr * 0.45, my - mr * 0.25, mr * 0.85, mr * 0.85, cv.lit("0f1638"), ink=False)
        cv.glow(mx, my, mr * 3, "fff0c0", 0.35)
        return
    cv.vgrad(0, 0, cv.w, y1, _shift(_hex("6fb4ee"), cv.hue * 0.3), _hex("d4ecff"))
    for x, y, s in clouds:
        for dx, dy, k in ((-1.0, 0.2, 0.7), (0.0, 0.0, 1.0), (1.0, 0.25, 0.75)):
            cv.ellipse(x + dx * s, y + dy * s, s * k, s * k * 0.75, _hex("ffffff"), ink=False)


def _window(cv: _Canvas, x0: float, y0: float, x1: float, y1: float, frame: str, curtain: str | None) -> None:
    cv.rect(x0 - cv.t * 3, y0 - cv.t * 3, x1 + cv.t * 3, y1 + cv.t * 3, cv.c(frame))
    sub = _Canvas(cv.img[int(y0):int(y1), int(x0):int(x1)], cv.rng, cv.night, cv.hue, cv.t)
    _sky(sub, y1 - y0)
    hx = (x0 + x1) / 2
    cv.rect(x0, y0, x1, y1, None)
    cv.line(hx, y0, hx, y1, cv.c(frame), cv.t * 3)
    cv.line(x0, (y0 + y1) / 2, x1, (y0 + y1) / 2, cv.c(frame), cv.t * 3)
    cv.rect(x0 - cv.t * 5, y1 + cv.t * 2, x1 + cv.t * 5, y1 + cv.t * 6, cv.c(frame))
    if curtain:
        dw = (x1 - x0) * 0.28
        for side in (-1, 1):
            xa = x0 - dw * 0.5 if side < 0 else x1 - dw * 0.5
            cv.poly([(xa, y0 - cv.t * 6), (xa + dw, y0 - cv.t * 6), (xa + dw * (0.8 if side < 0 else 1.1), y1 + cv.t * 12),
                     (xa - dw * (0.1 if side < 0 else -0.2), y1 + cv.t * 12)], cv.c(curtain))
        cv.rect(x0 - dw, y0 - cv.t * 9, x1 + dw, y0 - cv.t * 5, cv.c("6b4a33"))
    if cv.night:
        cv.glow((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * 0.6, "8fa8ff", 0.18)


def _door(cv: _Canvas, x0: float, x1: float, floor: float, color: str) -> None:
    top = floor - (x1 - x0) * 2.1
    cv.rect(x0 - cv.t * 4, top - cv.t * 4, x1 + cv.t * 4, floor, cv.c("f2ede4"))
    cv.rect(x0, top, x1, floor, cv.c(color))
    pad = (x1 - x0) * 0.14
    cv.rect(x0 + pad, top + pad, x1 - pad, top + (floor - top) * 0.45, cv.c(color, -0.06), r=cv.t)
    cv.rect(x0 + pad, top + (floor - top) * 0.52, x1 - pad, floor - pad, cv.c(color, -0.06), r=cv.t)
    cv.ellipse(x1 - pad * 0.6, top + (floor - top) * 0.5, pad * 0.28, pad * 0.28, cv.c("e8c35a"))


def _bookcase(cv: _Canvas, x0: float, x1: float, top: float, floor: float) -> None:
    wood = cv.c("8a5a3b")
    cv.rect(x0, top, x1, floor, wood)
    rows = 4
    step = (floor - top) / rows
    books = ("c94f4f", "3f6fb5", "e0b84a", "4f9a6b", "7b5ea8", "e6e0d2", "2f3e4e")
    for i in range(rows):
        ya, yb = top + i * step + cv.t * 3, top + (i + 1) * step - cv.t * 2
        cv.rect(x0 + cv.t * 3, ya, x1 - cv.t * 3, yb, cv.c("5e3b26"), ink=False)
        x = x0 + cv.t * 4
        while x < x1 - cv.t * 10:
            bw = (x1 - x0) * (0.06 + 0.06 * cv.u())
            bh = (yb - ya) * (0.6 + 0.35 * cv.u())
            col = books[int(cv.u() * len(books))]
            if x + bw < x1 - cv.t * 4 and cv.u() > 0.1:
                cv.rect(x, yb - bh, x + bw, yb, cv.c(col), t=max(1, cv.t // 2))
            x += bw + cv.t
        cv.line(x0, yb + cv.t, x1, yb + cv.t, INK)


def _lamp(cv: _Canvas, x: float, floor: float, height: float) -> None:
    cv.rect(x - height * 0.12, floor - height * 0.03, x + height * 0.12, floor, cv.c("3a3a40"))
    cv.line(x, floor - height * 0.03, x, floor - height * 0.78, INK, cv.t * 2)
    sw = height * 0.2
    shade = cv.lit("ffe9a8") if cv.night else cv.c("f3e2c0")
    cv.poly([(x - sw * 0.6, floor - height), (x + sw * 0.6, floor - height), (x + sw, floor - height * 0.76),
             (x - sw, floor - height * 0.76)], shade)
    cv.glow(x, floor - height * 0.8, height * 0.7, "ffcf70", 0.9)


def _plant(cv: _Canvas, x: float, floor: float, s: float) -> None:
    for i in range(7):
        a = np.radians(-150 + i * 20)
        cv.ellipse(x + np.cos(a) * s * 0.45, floor - s * 0.55 + np.sin(a) * s * 0.45, s * 0.2, s * 0.32,
                   cv.c("4f9a5b", 0.05 * (i % 2)))
    cv.poly([(x - s * 0.28, floor - s * 0.45), (x + s * 0.28, floor - s * 0.45), (x + s * 0.2, floor), (x - s * 0.2, floor)],
            cv.c("c8734a"))


def _frame(cv: _Canvas, x0: float, y0: float, x1: float, y1: float) -> None:
    cv.rect(x0, y0, x1, y1, cv.c("6b4a33"))
    cv.rect(x0 + cv.t * 4, y0 + cv.t * 4, x1 - cv.t * 4, y1 - cv.t * 4, cv.c("f5efe0"))
    my = (y0 + y1) / 2
    cv.poly([(x0 + cv.t * 4, y1 - cv.t * 4), ((x0 + x1) / 2, my), (x1 - cv.t * 4, y1 - cv.t * 4)], cv.c("7fae8c"))
    cv.ellipse(x1 - (x1 - x0) * 0.3, y0 + (y1 - y0) * 0.3, (x1 - x0) * 0.09, (x1 - x0) * 0.09, cv.c("f2c14e"))


def _sofa(cv: _Canvas, x0: float, x1: float, floor: float, color: str) -> None:
    h = (x1 - x0) * 0.42
    cv.rect(x0 + h * 0.15, floor - h, x1 - h * 0.15, floor - h * 0.35, cv.c(color, -0.05), r=h * 0.15)
    cv.rect(x0 + h * 0.2, floor - h * 0.5, x1 - h * 0.2, floor - h * 0.12, cv.c(color), r=h * 0.1)
    for xa in (x0, x1 - h * 0.3):
        cv.rect(xa, floor - h * 0.7, xa + h * 0.3, floor - h * 0.1, cv.c(color, -0.08), r=h * 0.12)
    for xa in (x0 + h * 0.25, x1 - h * 0.3):
        cv.rect(xa, floor - h * 0.12, xa + h * 0.06, floor, cv.c("3a2a20"))


def _table(cv: _Canvas, x0: float, x1: float, floor: float, height: float, color: str = "9b6a44") -> None:
    cv.rect(x0 + height * 0.15, floor - height, x0 + height * 0.28, floor, cv.c(color, -0.1))
    cv.rect(x1 - height * 0.28, floor - height, x1 - height * 0.15, floor, cv.c(color, -0.1))
    cv.rect(x0, floor - height - height * 0.14, x1, floor - height + height * 0.02, cv.c(color), r=cv.t * 2)


def _floor(cv: _Canvas, y: float, color: str, tiles: bool) -> None:
    cv.vgrad(0, y, cv.w, cv.h, cv.c(color, -0.04), cv.c(color, 0.04))
    vx, vy = cv.w / 2, y - cv.h * 0.35
    seam = cv.c(color, -0.14)
    for i in range(-8, 17):
        xb = cv.w * (i / 8.0)
        xt = vx + (xb - vx) * (y - vy) / (cv.h - vy)
        cv.line(xt, y, xb, cv.h, seam, max(1, cv.t // 2 + 1))
    if tiles:
        k = 0.0
        for i in range(1, 9):
            k += 0.05 * i
            cv.line(0, y + (cv.h - y) * min(1.0, k / 2.2), cv.w, y + (cv.h - y) * min(1.0, k / 2.2), seam,
                    max(1, cv.t // 2 + 1))
    cv.rect(-cv.t, y - cv.h * 0.018, cv.w + cv.t, y, cv.c("f4efe6"))


def _wall(cv: _Canvas, y: float, color: str, pattern: bool) -> None:
    cv.vgrad(0, 0, cv.w, y, cv.c(color, -0.05), cv.c(color, 0.03))
    if pattern:
        for x in np.arange(cv.w * 0.06, cv.w, cv.w / 9):
            cv.line(x, 0, x, y, cv.c(color, -0.035), max(2, cv.t))
    cv.rect(-cv.t, -cv.t, cv.w + cv.t, cv.h * 0.025, cv.c(color, 0.08))


# --- interiors -------------------------------------------------------------------------------------

def _interior(cv: _Canvas, kind: str, floor: float) -> None:
    W, H, u = cv.w, cv.h, cv.u
    walls = {"living": ("f1dcc0", "e7cfa8", "d9e4d3", "f0e3d0"), "bedroom": ("d8dff0", "eed9dc", "e3e8d4"),
             "office": ("dfe4ea", "e9e6df", "d6dde3"), "kitchen": ("f4ead2", "dff0ec"),
             "hospital": ("e4f1ee", "eef2f4"), "cafe": ("e9c9a0", "d8b38e", "c9d9c4")}[kind]
    wall = walls[int(u() * len(walls))]
    floors = {"living": "b5835a", "bedroom": "c89a6e", "office": "8e97a3", "kitchen": "d9d2c4",
              "hospital": "c7d1cf", "cafe": "9a6a48"}[kind]
    _wall(cv, floor, wall, pattern=kind in ("living", "bedroom", "cafe") and u() > 0.4)
    _floor(cv, floor, floors, tiles=kind in ("kitchen", "hospital", "office"))
    left = u() > 0.5
    wx0, wx1 = (W * 0.08, W * 0.5) if left else (W * 0.5, W * 0.92)
    ox0, ox1 = (W * 0.58, W * 0.9) if left else (W * 0.1, W * 0.42)
    curtain = ("c75b5b", "5a7fb5", "7aa37a", "d8b45a")[int(u() * 4)]
    if kind == "kitchen":
        top = floor - H * 0.14
        _window(cv, W * 0.3, H * 0.14, W * 0.7, H * 0.3, "ffffff", None)
        for x in np.arange(0, W, W / 4):  # upper cabinets
            if not W * 0.25 < x + W / 8 < W * 0.75:
                cv.rect(x + cv.t, H * 0.1, x + W / 4 - cv.t, H * 0.3, cv.c("9bc4c0"), r=cv.t * 2)
        cv.rect(-cv.t, top - H * 0.09, W + cv.t, top, cv.c("ffffff", -0.02), ink=False)
        for x in np.arange(0, W, W / 14):
            cv.line(x, top - H * 0.09, x, top, cv.c(wall, -0.1), 1)
        cv.rect(-cv.t, top, W + cv.t, floor, cv.c("9bc4c0"))
        cv.rect(-cv.t, top - cv.t * 4, W + cv.t, top + cv.t * 2, cv.c("e9e3d6"))
        for x in np.arange(W * 0.02, W, W / 4):
            cv.rect(x, top + H * 0.02, x + W / 4 - W * 0.04, floor - H * 0.015, cv.c("9bc4c0", 0.04), r=cv.t * 2)
        cv.rect(W * 0.72 if left else W * 0.04, floor - H * 0.38, W * 0.96 if left else W * 0.28, floor,
                cv.c("eef1f3"), r=cv.t * 3)
        return
    _window(cv, wx0, floor - H * 0.42, wx1, floor - H * 0.18, "f7f3ea", curtain if kind != "office" else None)
    if kind == "office":
        for y in np.arange(floor - H * 0.42, floor - H * 0.18, H * 0.02):
            cv.line(wx0, y, wx1, y, cv.c("cfd6dc"), max(1, cv.t))
        _bookcase(cv, ox0, ox1, floor - H * 0.34, floor)
        _table(cv, W * 0.12, W * 0.88, floor + H * 0.07, H * 0.1, "6f4e37")
        mx = W * (0.5 + (0.18 if left else -0.18))
        cv.rect(mx - W * 0.13, floor - H * 0.13, mx + W * 0.13, floor - H * 0.035, cv.c("2f3540"), r=cv.t * 2)
        cv.rect(mx - W * 0.115, floor - H * 0.122, mx + W * 0.115, floor - H * 0.045,
                cv.lit("9fd4ff") if cv.night else cv.c("7fb2d8"), ink=False)
        cv.glow(mx, floor - H * 0.08, W * 0.25, "9fd4ff", 0.5)
        _plant(cv, W * (0.08 if not left else 0.92), floor + H * 0.02, H * 0.1)
    elif kind == "hospital":
        cv.line(0, H * 0.08, W, H * 0.08, cv.c("9aa5a8"), cv.t * 2)
        for i in range(6):
            x = ox0 + (ox1 - ox0) * i / 6
            cv.poly([(x, H * 0.08), (x + (ox1 - ox0) / 6, H * 0.08), (x + (ox1 - ox0) / 6, floor), (x, floor)],
                    cv.c("a8d0cf", 0.04 * (i % 2)))
        cv.rect(W * 0.15, floor + H * 0.0, W * 0.85, floor + H * 0.08, cv.c("ffffff"), r=cv.t * 3)
        cv.rect(W * 0.15, floor - H * 0.05, W * 0.2, floor + H * 0.12, cv.c("9aa5a8"))
        cv.rect(W * 0.2, floor - H * 0.02, W * 0.38, floor + H * 0.02, cv.c("eef6ff"), r=cv.t * 4)
        cv.line(W * 0.9, floor + H * 0.1, W * 0.9, floor - H * 0.28, cv.c("9aa5a8"), cv.t * 2)
        cv.rect(W * 0.86, floor - H * 0.28, W * 0.94, floor - H * 0.22, cv.c("dff3ff"), r=cv.t * 2)
        cv.rect(wx0, H * 0.08, wx0 + W * 0.2, H * 0.16, cv.c("2f3540"), r=cv.t * 2)
        cv.line(wx0 + W * 0.02, H * 0.12, wx0 + W * 0.18, H * 0.12, cv.lit("6dff9a"), cv.t)
    elif kind == "bedroom":
        _frame(cv, ox0 + W * 0.04, floor - H * 0.36, ox1 - W * 0.04, floor - H * 0.24)
        hb = cv.c(("8a5a3b", "5a6f8f", "d9c7b0")[int(u() * 3)])
        cv.rect(W * 0.1, floor - H * 0.12, W * 0.9, floor + H * 0.06, hb, r=cv.t * 6)
        cv.rect(W * 0.06, floor + H * 0.0, W * 0.94, floor + H * 0.11, cv.c("f4f1ea"), r=cv.t * 5)
        cv.rect(W * 0.06, floor + H * 0.04, W * 0.94, floor + H * 0.11, cv.c(curtain, 0.1), r=cv.t * 5)
        for x in (W * 0.16, W * 0.55):
            cv.rect(x, floor - H * 0.04, x + W * 0.28, floor + H * 0.02, cv.c("ffffff"), r=cv.t * 8)
        _lamp(cv, W * 0.5, floor - H * 0.12, H * 0.1)
    elif kind == "cafe":
        for x in (W * 0.2, W * 0.5, W * 0.8):
            cv.line(x, 0, x, H * 0.16, INK, cv.t)
            cv.poly([(x - W * 0.06, H * 0.2), (x + W * 0.06, H * 0.2), (x + W * 0.03, H * 0.16), (x - W * 0.03, H * 0.16)],
                    cv.lit("ffd77a") if cv.night else cv.c("2f5d50"))
            cv.glow(x, H * 0.2, W * 0.3, "ffcf70", 0.7)
        cv.rect(ox0, floor - H * 0.3, ox1, floor - H * 0.06, cv.c("2f3e38"))
        for i in range(3):
            cv.line(ox0 + W * 0.03, floor - H * (0.26 - i * 0.07), ox1 - W * 0.03, floor - H * (0.26 - i * 0.07),
                    cv.lit("f5f0e0") if cv.night else cv.c("f5f0e0"), max(1, cv.t))
        for x0 in (W * 0.04, W * 0.56):
            _table(cv, x0, x0 + W * 0.4, floor + H * 0.08, H * 0.09, "7a4f34")
    else:  # living room
        if u() > 0.5:
            _bookcase(cv, ox0, ox1, floor - H * 0.36, floor)
        else:
            _door(cv, ox0 + W * 0.04, ox1 - W * 0.04, floor, ("8a5a3b", "6d7f99", "f3efe8")[int(u() * 3)])
        _sofa(cv, W * 0.1, W * 0.9, floor + H * 0.06, ("6d8fb3", "b36d6d", "7fa37a", "c9a36a")[int(u() * 4)])
        _lamp(cv, W * (0.92 if left else 0.08), floor + H * 0.015, H * 0.3)
        _table(cv, W * 0.3, W * 0.7, floor + H * 0.11, H * 0.035)
        if u() > 0.4:
            _plant(cv, W * (0.1 if left else 0.9), floor + H * 0.13, H * 0.09)


def _car(cv: _Canvas) -> None:
    W, H = cv.w, cv.h
    _street(cv, H * 0.42)
    frame = cv.c("3a3d45")
    cv.poly([(-W, -H), (2 * W, -H), (2 * W, H * 2), (-W, H * 2), (-W, H * 0.5), (W * 0.02, H * 0.52),
             (W * 0.98, H * 0.52), (W * 0.88, H * 0.12), (W * 0.12, H * 0.12), (W * 0.02, H * 0.52), (-W, H * 0.5)],
            frame)
    cv.rect(W * 0.35, H * 0.13, W * 0.65, H * 0.17, cv.c("20232a"), r=cv.t * 3)
    cv.vgrad(0, H * 0.52, W, H, cv.c("4a4d57"), cv.c("2c2e35"))
    cv.rect(-cv.t, H * 0.52, W + cv.t, H * 0.6, cv.c("555a66"), r=cv.t * 6)
    for x0 in (W * 0.02, W * 0.56):
        cv.rect(x0, H * 0.62, x0 + W * 0.42, H * 1.05, cv.c("6a4c3c"), r=W * 0.08)
        cv.rect(x0 + W * 0.06, H * 0.58, x0 + W * 0.36, H * 0.7, cv.c("7a5a48"), r=W * 0.06)


# --- exteriors -------------------------------------------------------------------------------------

def _skyline(cv: _Canvas, base: float, tall: float) -> None:
    W = cv.w
    x = -W * 0.05
    cols = ("b9c3cf", "d8c3a5", "a7b4c2", "c9b2a0", "9fb0a8", "d2ccc0")
    while x < W:
        bw = W * (0.16 + 0.14 * cv.u())
        top = base - tall * (0.45 + 0.55 * cv.u())
        col = cols[int(cv.u() * len(cols))]
        cv.rect(x, top, x + bw, base + cv.t, cv.c(col))
        for wy in np.arange(top + tall * 0.05, base - tall * 0.05, tall * 0.08):
            for wx in np.arange(x + bw * 0.12, x + bw - bw * 0.2, bw * 0.22):
                on = cv.u() < 0.45
                fill = cv.lit("ffd56a") if (cv.night and on) else cv.c("7f97b0" if not on else "9fc3e0")
                cv.rect(wx, wy, wx + bw * 0.12, wy + tall * 0.04, fill, ink=False)
        x += bw + W * 0.01


def _tree(cv: _Canvas, x: float, base: float, s: float) -> None:
    cv.rect(x - s * 0.07, base - s * 0.6, x + s * 0.07, base, cv.c("7a5234"))
    green = ("5d9b52", "4f8a4a", "6aa85c")[int(cv.u() * 3)]
    for dx, dy, k in ((-0.22, -0.7, 0.3), (0.22, -0.72, 0.3), (0.0, -0.95, 0.36)):
        cv.ellipse(x + dx * s, base + dy * s, s * k, s * k * 0.9, cv.c(green))


def _streetlight(cv: _Canvas, x: float, base: float, h: float, side: int) -> None:
    cv.line(x, base, x, base - h, cv.c("3f4550"), max(2, int(h * 0.025)))
    cv.line(x, base - h, x + side * h * 0.18, base - h, cv.c("3f4550"), max(2, int(h * 0.02)))
    lamp = cv.lit("fff1b8") if cv.night else cv.c("e8eef2")
    cv.ellipse(x + side * h * 0.18, base - h + h * 0.02, h * 0.06, h * 0.03, lamp)
    cv.glow(x + side * h * 0.18, base - h * 0.8, h * 0.4, "ffd98a", 0.4)


def _street(cv: _Canvas, horizon: float) -> None:
    W, H = cv.w, cv.h
    _sky(cv, horizon)
    _skyline(cv, horizon, H * 0.3)
    cv.rect(-cv.t, horizon, W + cv.t, H + cv.t, cv.c("b9b3a8"), ink=False)
    vx = W * (0.35 + 0.3 * cv.u())
    cv.poly([(vx - W * 0.06, horizon), (vx + W * 0.06, horizon), (W * 1.3, H), (-W * 0.3, H)], cv.c("5b5f66"))
    for i in range(7):
        k0, k1 = (i / 7) ** 1.6, ((i + 0.45) / 7) ** 1.6
        y0, y1 = horizon + (H - horizon) * k0, horizon + (H - horizon) * k1
        wd0, wd1 = W * (0.004 + 0.02 * k0), W * (0.004 + 0.02 * k1)
        xc0, xc1 = vx + (W / 2 - vx) * k0, vx + (W / 2 - vx) * k1
        cv.poly([(xc0 - wd0, y0), (xc0 + wd0, y0), (xc1 + wd1, y1), (xc1 - wd1, y1)], cv.c("f4f0e2"), ink=False)
    for side, k in ((-1, 0.35), (1, 0.35), (-1, 0.8), (1, 0.8)):
        y = horizon + (H - horizon) * k
        x = vx + side * (W * 0.06 + (W * 0.8) * k)
        _streetlight(cv, x, y, (y - horizon) * 1.6 + H * 0.05, -side)


def _exterior(cv: _Canvas, kind: str, horizon: float) -> None:
    W, H = cv.w, cv.h
    if kind == "street":
        _street(cv, horizon)
        return
    _sky(cv, horizon)
    if kind == "water":
        _skyline(cv, horizon - H * 0.03, H * 0.14)
        cv.vgrad(0, horizon - H * 0.03, W, horizon + H * 0.12, cv.c("4f86b8"), cv.c("6fa6d0"))
        for i in range(14):
            y = horizon + H * 0.12 * cv.u() - H * 0.02
            x = W * cv.u()
            cv.line(x, y, x + W * 0.12, y, cv.lit("ffe9a0") if cv.night else cv.c("b8dcf5"), max(1, cv.t))
        cv.rect(-cv.t, horizon + H * 0.12, W + cv.t, H + cv.t, cv.c("c2b59b"))
        for x in np.arange(0, W + 1, W / 6):
            cv.line(x, horizon + H * 0.12, x, horizon + H * 0.2, cv.c("6b6f78"), cv.t * 2)
        cv.line(0, horizon + H * 0.13, W, horizon + H * 0.13, cv.c("6b6f78"), cv.t * 2)
        _streetlight(cv, W * 0.85, horizon + H * 0.2, H * 0.3, -1)
        return
    if kind == "rooftop":
        _skyline(cv, horizon, H * 0.22)
        cv.rect(-cv.t, horizon, W + cv.t, H + cv.t, cv.c("a79f94"))
        for x in np.arange(0, W + 1, W / 8):
            cv.line(x, horizon - H * 0.06, x, horizon + H * 0.01, cv.c("5c6470"), cv.t * 2)
        cv.line(0, horizon - H * 0.06, W, horizon - H * 0.06, cv.c("5c6470"), cv.t * 3)
        cv.rect(W * 0.68, horizon - H * 0.2, W * 0.92, horizon + H * 0.04, cv.c("b08a64"), r=cv.t * 4)
        return
    if kind == "gate":
        cv.rect(-cv.t, horizon - H * 0.5, W + cv.t, horizon + cv.t, cv.c(("d8c3a5", "c9ced6", "e6d8c4")[int(cv.u() * 3)]))
        for wy in (horizon - H * 0.46, horizon - H * 0.33):
            for wx in (W * 0.06, W * 0.7):
                on = cv.u() < 0.6
                cv.rect(wx, wy, wx + W * 0.24, wy + H * 0.09, cv.lit("ffd56a") if cv.night and on else cv.c("8fb3cf"))
        cv.rect(W * 0.3, horizon - H * 0.24, W * 0.7, horizon, cv.c("4a5260"))
        cv.rect(W * 0.34, horizon - H * 0.2, W * 0.66, horizon, cv.lit("ffe3a0") if cv.night else cv.c("9fc3e0"))
        cv.line(W * 0.5, horizon - H * 0.2, W * 0.5, horizon, INK, cv.t)
        cv.rect(W * 0.26, horizon - H * 0.29, W * 0.74, horizon - H * 0.245, cv.c("c94f4f"), r=cv.t * 2)
        cv.glow(W * 0.5, horizon - H * 0.1, W * 0.5, "ffd98a", 0.6)
        cv.rect(-cv.t, horizon, W + cv.t, H + cv.t, cv.c("c9c1b3"))
        for i in range(3):
            cv.rect(W * (0.24 - i * 0.06), horizon + i * H * 0.02, W * (0.76 + i * 0.06), horizon + (i + 1) * H * 0.02,
                    cv.c("dcd4c6"))
        for x in (W * 0.08, W * 0.92):
            _tree(cv, x, horizon + H * 0.1, H * 0.22)
        return
    # park
    for i in range(5):
        cv.ellipse(W * (i / 4), horizon, W * 0.35, H * 0.05, cv.c("8fbf85", -0.03 * (i % 2)))
    cv.vgrad(0, horizon, W, H, cv.c("8ec46f"), cv.c("6faa55"))
    cv.poly([(W * 0.45, horizon), (W * 0.55, horizon), (W * 0.95, H), (W * 0.15, H)], cv.c("e3cfa4"))
    for x, k in ((0.12, 0.15), (0.88, 0.25), (0.3, 0.05), (0.72, 0.08)):
        _tree(cv, W * x, horizon + H * 0.3 * k, H * (0.16 + 0.5 * k))
    cv.rect(W * 0.62, horizon + H * 0.1, W * 0.92, horizon + H * 0.125, cv.c("9b6a44"))
    cv.rect(W * 0.62, horizon + H * 0.06, W * 0.92, horizon + H * 0.08, cv.c("9b6a44"))
    _streetlight(cv, W * 0.08, horizon + H * 0.16, H * 0.32, 1)


def _apply_glows(cv: _Canvas) -> None:
    """Add soft light (gaussian falloff) around the night lights, computed at 1/8 size."""
    if not cv.glows:
        return
    scale = 8
    gh, gw = cv.h // scale + 1, cv.w // scale + 1
    ys = np.arange(gh, dtype=np.float32)[:, None] * scale
    xs = np.arange(gw, dtype=np.float32)[None, :] * scale
    small = np.zeros((gh, gw, 3), np.float32)
    for x, y, r, col, strength in cv.glows:
        sigma2 = 2.0 * (r * 0.45) ** 2
        fall = np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / sigma2) * (strength * 0.75)
        small += fall[..., None] * np.asarray(col, np.float32)[None, None, :]
    small = np.clip(small, 0, 255).astype(np.uint8)
    big = cv2.resize(small, (cv.w, cv.h), interpolation=cv2.INTER_LINEAR)
    cv2.add(cv.img, big, dst=cv.img)


@lru_cache(maxsize=6)
def _render(location: str, interior: bool, night: bool, width: int, height: int, seed: int,
            horizon: float | None) -> np.ndarray:
    digest = hashlib.sha256(f"{location.strip().casefold()}\x00{seed}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))
    hue = (digest[8] / 255 - 0.5) * 0.08
    img = np.zeros((height, width, 3), np.uint8)
    cv = _Canvas(img, rng, night, hue, max(2, round(width / 300)))
    kind = location_kind(location, interior)
    line = horizon if horizon is not None else (0.6 if interior else 0.56)
    if kind == "car":
        _car(cv)
    elif interior:
        _interior(cv, kind, height * line)
    else:
        _exterior(cv, kind, height * line)
    _apply_glows(cv)
    img.setflags(write=False)
    return img


def render_background(location: str, interior: bool, night: bool, width: int, height: int,
                      seed: int = 0, *, horizon: float | None = None) -> np.ndarray:
    """A ``height`` x ``width`` RGB uint8 comic background for ``location`` (read-only, cached).

    ``horizon`` (fraction of the height) moves the floor line or ground horizon; the
    compositor lowers it for low angles and raises it for high angles.
    """
    if width < 16 or height < 16:
        raise ValueError(f"background size {width}x{height} too small")
    return _render(location, bool(interior), bool(night), int(width), int(height), int(seed),
                   None if horizon is None else round(float(horizon), 4))


def clear_cache() -> None:
    """Forget cached backgrounds (tests use it to prove renders are deterministic)."""
    _render.cache_clear()

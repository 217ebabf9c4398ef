"""Comic characters drawn with DiceBear (``avataaars`` by default), rasterised with resvg.

A character's *identity* (face shape, skin, hair, clothes) comes from its
:class:`~reelwright.documents.bible.Look`: the DiceBear seed plus fixed options.
An *expression* only changes the eyes, eyebrows and mouth, and the mouth has a
closed and an open variant per expression for lip movement, so the identity is
pixel-identical across expressions and mouth states.

Licences: DiceBear core is MIT; the ``avataaars`` artwork is a remix of
"Avataaars" by Pablo Stanley, "Free for personal and commercial use"
(https://avataaars.com/). Other styles carry their own licence in their JSON
``meta.license`` (see :func:`style_licence`).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import numpy as np
import resvg_py
from dicebear import Avatar, Style
from PIL import Image

from reelwright.documents.bible import Look
from reelwright.errors import InputError

__all__ = [
    "DEFAULT_STYLE",
    "EXPRESSIONS",
    "FaceParts",
    "AVATAAARS_FACES",
    "AVATAAARS_FACE_BOX",
    "AVATAAARS_FEATURE_BOX",
    "AVATAAARS_MOUTH_BOX",
    "default_look",
    "render_avatar",
    "avatar_colors",
    "style_licence",
    "style_names",
    "clear_cache",
]

DEFAULT_STYLE = "avataaars"
EXPRESSIONS = ("neutral", "happy", "sad", "angry", "surprised", "afraid", "cold")

# Boxes in avataaars canvas units (the canvas is 280 x 280), as (x0, y0, x1, y1).
AVATAAARS_FACE_BOX = (74.0, 36.0, 206.0, 186.0)  # skin of the head, ears included
AVATAAARS_FEATURE_BOX = (88.0, 78.0, 192.0, 184.0)  # eyebrows + eyes + mouth (+ tears)
AVATAAARS_MOUTH_BOX = (92.0, 138.0, 188.0, 180.0)


@dataclass(frozen=True)
class FaceParts:
    """Eyes, eyebrows and the closed/open mouth of one expression."""

    eyes: str
    eyebrows: str
    mouth_closed: str
    mouth_open: str


# Chosen by looking at the variants side by side: each pair reads as one expression talking.
AVATAAARS_FACES: dict[str, FaceParts] = {
    "neutral": FaceParts("default", "defaultNatural", "serious", "default"),
    "happy": FaceParts("happy", "raisedExcitedNatural", "twinkle", "smile"),
    "sad": FaceParts("cry", "sadConcernedNatural", "sad", "concerned"),
    "angry": FaceParts("squint", "angryNatural", "grimace", "screamOpen"),
    "surprised": FaceParts("surprised", "raisedExcitedNatural", "disbelief", "screamOpen"),
    "afraid": FaceParts("surprised", "sadConcernedNatural", "grimace", "concerned"),
    "cold": FaceParts("squint", "upDownNatural", "serious", "default"),
}

# Generic fallback for other styles: the first candidate that names a variant of the style wins.
_GENERIC: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "neutral": (("default", "normal", "open", "round", "eyes"), ("neutral", "default", "flat"),
                ("default", "line", "soft", "calm", "smile"), ("open", "ooh", "o", "agape", "default")),
    "happy": (("happy", "cheery", "smiling"), ("happy", "raised", "up"),
              ("smile", "pleased", "lilSmile", "tinySmile"), ("laugh", "laughing", "bigSmile", "openedSmile",
                                                              "smileOpen", "grin", "beam")),
    "sad": (("sad", "cry", "crying"), ("sad", "down"), ("sad", "frown"), ("openSad", "concerned", "sad")),
    "angry": (("angry",), ("angry",), ("angry", "pissed", "line", "flat"), ("angry", "agape", "teeth")),
    "surprised": (("surprised", "wide", "big"), ("raised", "up"), ("ooh", "o", "small"),
                  ("agape", "gasp", "ooh", "o")),
    "afraid": (("wide", "surprised"), ("sad", "raised"), ("nervous", "wavy", "concerned"),
               ("gasp", "agape", "ooh", "o")),
    "cold": (("side", "sideeye", "squint", "sleepy"), ("flat", "down"), ("smirk", "line", "flat", "serious"),
             ("smirk", "open")),
}

# Plausible human palettes (DiceBear colours without '#'); no orange or yellow skin, no pink hair.
_SKIN_LIGHT = ("fbe2cf", "f7dac4", "f3d2b8", "efcbb0", "ead0bd")
_SKIN_ALL = _SKIN_LIGHT + ("e2b99d", "cf9f80", "b07d60", "8a5a44", "614335")
_HAIR_DARK = ("2c1b18", "2c1b18", "3b2520", "4a312c")
_HAIR_ALL = _HAIR_DARK + ("724133", "a55728", "b58143", "d6b370", "e8e1e1")
_TOP_FEMININE = ("bob", "bun", "curly", "curvy", "longButNotTooLong", "miaWallace", "straight01",
                 "straight02", "straightAndStrand", "bigHair")
_TOP_MASCULINE = ("shortFlat", "shortRound", "shortWaved", "shortCurly", "theCaesar",
                  "theCaesarAndSidePart", "shaggy", "frizzle")
_CLOTHES = ("blazerAndShirt", "blazerAndSweater", "collarAndSweater", "hoodie", "shirtCrewNeck",
            "shirtScoopNeck", "shirtVNeck", "overall")
_CLOTHES_COLOR = ("262e33", "3c4f5c", "25557c", "5199e4", "65c9ff", "929598", "e6e6e6", "ff5c5c",
                  "a7ffc4", "ffafb9", "ffffb1", "ffffff", "8c5a9e", "c9a36a")


def _has_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in ("W", "F") for ch in text)


def _pick(digest: bytes, slot: int, values: tuple[str, ...]) -> str:
    return values[int.from_bytes(digest[2 * slot:2 * slot + 2], "big") % len(values)]


def default_look(name: str, gender: str = "") -> dict[str, Any]:
    """Stable, plausible DiceBear ``avataaars`` options for ``name`` (use as ``Look.options``).

    Hair, clothes and colours come from a hash of the name; accessories and facial hair
    are off. ``gender`` ("female"/"male") steers the hairstyle; Chinese names get dark hair.
    """
    digest = hashlib.sha256(name.strip().casefold().encode("utf-8")).digest()
    if gender == "female":
        tops = _TOP_FEMININE
    elif gender == "male":
        tops = _TOP_MASCULINE
    else:
        tops = _TOP_FEMININE + _TOP_MASCULINE
    cjk = _has_cjk(name)
    return {
        "skinColor": _pick(digest, 0, _SKIN_LIGHT if cjk else _SKIN_ALL),
        "topVariant": _pick(digest, 1, tops),
        "hairColor": _pick(digest, 2, _HAIR_DARK if cjk else _HAIR_ALL),
        "clothesVariant": _pick(digest, 3, _CLOTHES),
        "clothesColor": _pick(digest, 4, _CLOTHES_COLOR),
        "accessoriesProbability": 0,
        "facialHairProbability": 0,
    }


def style_names() -> list[str]:
    """The DiceBear styles shipped with ``dicebear-styles``."""
    root = files("dicebear_styles")
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".json"))


@lru_cache(maxsize=16)
def _definition(style: str) -> dict[str, Any]:
    path = files("dicebear_styles").joinpath(f"{style}.json")
    if not path.is_file():
        raise InputError(f"unknown DiceBear style {style!r}; known: {', '.join(style_names())}")
    return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]


@lru_cache(maxsize=16)
def _style(style: str) -> Style:
    return Style(_definition(style))


def style_licence(style: str = DEFAULT_STYLE) -> str:
    """The licence notice of a style's artwork, from its JSON ``meta``."""
    lic = _definition(style).get("meta", {}).get("license", {})
    return str(lic.get("text") or lic.get("name") or "unknown")


def _variants(style: str, component: str) -> dict[str, str]:
    comp = _definition(style).get("components", {}).get(component, {})
    return {v.casefold(): v for v in comp.get("variants", {})}


def _face_options(style: str, expression: str, mouth_open: bool) -> dict[str, str]:
    if expression not in EXPRESSIONS:
        raise InputError(f"unknown expression {expression!r}; expected one of {', '.join(EXPRESSIONS)}")
    if style in ("avataaars", "avataaars-neutral"):
        parts = AVATAAARS_FACES[expression]
        return {"eyesVariant": parts.eyes, "eyebrowsVariant": parts.eyebrows,
                "mouthVariant": parts.mouth_open if mouth_open else parts.mouth_closed}
    eyes, brows, closed, opened = _GENERIC[expression]
    out: dict[str, str] = {}
    for component, candidates in (("eyes", eyes), ("eyebrows", brows),
                                  ("mouth", (opened + closed) if mouth_open else closed)):
        known = _variants(style, component)
        hit = next((known[c.casefold()] for c in candidates if c.casefold() in known), None)
        if hit is not None:
            out[f"{component}Variant"] = hit
    return out


def _options(look_key: str, expression: str, mouth_open: bool) -> tuple[str, dict[str, Any]]:
    look = json.loads(look_key)
    style = look["style"] or DEFAULT_STYLE
    base: dict[str, Any] = default_look(look["seed"]) if style == "avataaars" else {}
    options = {**base, **look["options"], **_face_options(style, expression, mouth_open)}
    options["seed"] = look["seed"]
    for drop in ("size", "flip", "rotate", "translateX", "translateY", "scale", "backgroundColor"):
        options.pop(drop, None)  # framing is the compositor's job
    return style, options


_VIEWBOX = re.compile(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"')
_CANVAS_CLIP = re.compile(r'<clipPath id="([^"]+)"><rect width="([\d.]+)" height="([\d.]+)"(?: rx="0")?(?: ry="0")?/>'
                          r'</clipPath>')


def _drop_canvas_clip(svg: str) -> str:
    """``svg`` without DiceBear's clip of everything to its own canvas (a plain rectangle the size of a viewBox
    at the origin): only canvas pixels are ever rasterised, so it clips nothing, yet resvg draws the clipped
    group on a whole-canvas layer of its own: 40–60% of the rasterising time. Edge pixels may differ by the
    layer's rounding; a rounded, offset or smaller clip is kept."""
    box = _VIEWBOX.search(svg)
    if box is None or float(box.group(1)) != 0 or float(box.group(2)) != 0:
        return svg
    width, height = float(box.group(3)), float(box.group(4))
    for match in _CANVAS_CLIP.finditer(svg):
        if float(match.group(2)) == width and float(match.group(3)) == height:
            svg = svg.replace(f' clip-path="url(#{match.group(1)})"', "")
    return svg


@lru_cache(maxsize=12)
def _render(look_key: str, expression: str, mouth_open: bool, size: int,
            region: tuple[float, float, float, float]) -> np.ndarray:
    style, options = _options(look_key, expression, mouth_open)
    svg = _drop_canvas_clip(Avatar(_style(style), options).to_string())
    match = _VIEWBOX.search(svg)
    if match is None:
        raise InputError(f"DiceBear style {style!r} produced an SVG without a viewBox")
    vx, vy, vw, vh = (float(v) for v in match.groups())
    side = max(vw, vh)  # non-square styles are centred on a square canvas
    vx, vy = vx - (side - vw) / 2, vy - (side - vh) / 2
    x0, y0, x1, y1 = region
    box = f'viewBox="{vx + x0 * side:.7f} {vy + y0 * side:.7f} {(x1 - x0) * side:.7f} {(y1 - y0) * side:.7f}"'
    width = max(1, round((x1 - x0) * size))
    height = max(1, round((y1 - y0) * size))
    # explicit pixel width/height: resvg otherwise rounds the viewBox size and shifts sub-regions
    box += f' width="{width}" height="{height}" preserveAspectRatio="none"'
    svg = svg[:match.start()] + box + svg[match.end():]
    png = resvg_py.svg_to_bytes(svg_string=svg, width=width, height=height, skip_system_fonts=True)
    rgba = np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGBA"))
    if rgba.shape[:2] != (height, width):
        rgba = np.asarray(Image.fromarray(rgba).resize((width, height), Image.Resampling.BILINEAR))
    rgba = np.ascontiguousarray(rgba)
    rgba.setflags(write=False)  # shared by the cache: callers must copy before drawing on it
    return rgba


def _look_key(look: Look) -> str:
    return json.dumps({"style": look.style, "seed": look.seed, "options": look.options},
                      sort_keys=True, ensure_ascii=False, default=str)


def render_avatar(look: Look, expression: str = "neutral", mouth_open: bool = False,
                  size: int = 512, *, region: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """The character as a read-only RGBA uint8 array (straight alpha), LRU-cached.

    ``size`` is the pixel size of the whole (square) avatar canvas. ``region`` =
    (x0, y0, x1, y1) in fractions of the canvas rasterises only that part (at the same
    scale), which keeps big close-ups cheap; the default is the whole canvas.
    For ``avataaars`` the look's options are laid over :func:`default_look` of its seed,
    so a bare seed still gives a plausible person.
    """
    if size < 8 or size > 16384:
        raise InputError(f"avatar size {size} out of range 8..16384")
    box = (0.0, 0.0, 1.0, 1.0) if region is None else tuple(round(float(v), 6) for v in region)
    if not (box[2] > box[0] and box[3] > box[1]):
        raise InputError(f"empty avatar region {region}")
    return _render(_look_key(look), expression, bool(mouth_open), int(size), box)  # type: ignore[arg-type]


def avatar_colors(look: Look) -> dict[str, str]:
    """Resolved ``#rrggbb`` colours of a look (skin, hair, clothes), for bodies drawn around it."""
    return dict(_colors(_look_key(look)))


@lru_cache(maxsize=256)
def _colors(key) -> tuple[tuple[str, str], ...]:
    style, options = _options(key, "neutral", False)
    resolved = Avatar(_style(style), options).to_json()["options"]
    out = {}
    for key in ("skin", "hair", "clothes"):
        values = resolved.get(f"{key}Color") or []
        if values:
            out[key] = "#" + str(values[0]).lstrip("#")[:6]
    return tuple(out.items())


def clear_cache() -> None:
    """Forget cached rasters (tests use it to prove renders are deterministic)."""
    _render.cache_clear()
    _colors.cache_clear()

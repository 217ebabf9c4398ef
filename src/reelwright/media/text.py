"""Fonts and text layers: the Noto Sans CJK face, subtitle wrapping, premultiplied text overlays."""

from __future__ import annotations

import bisect
import math
import re
import struct
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "FONT_INDEX_SC",
    "font_path",
    "load_font",
    "has_glyphs",
    "missing_glyphs",
    "is_cjk",
    "is_cjk_text",
    "cjk_count",
    "CJK_CHAR",
    "line_length",
    "wrap_subtitle",
    "render_text_layer",
]

FONT_INDEX_SC = 2  # faces in the TTC: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK
TextStyle = Literal["subtitle", "caption", "title"]
# Text wider than this share of the frame is set smaller: the ink (stroke and shadow included) then stays
# inside the default 9:16 side margins (4% a side). Part of every segment key through TEXT_VERSION.
FIT_WIDTH = 0.90
TEXT_VERSION = 2

# Punctuation that must not start a line / must not end one (Chinese line-breaking rules).
_NO_START = set("，。、；：？！）》」』】〕〉”’…—,.;:?!)]}%·～~")
_NO_END = set("（《「『【〔〈“‘([{")
_SENTENCE = "。！？!?….;"
_CLAUSE = "，,、；：:—"


def _last(token: str) -> str:
    """The last meaningful character of a token (closing quotes and brackets skipped)."""
    core = token.rstrip("”’」』）》)]\"'")
    return core[-1:] if core else token[-1:]


def font_path() -> Path:
    """The Noto Sans CJK variable TTC from ``manimgx-fonts-cjk`` (Chinese and Latin)."""
    import manimgx_fonts_cjk

    path = Path(manimgx_fonts_cjk.__file__).parent / "NotoSansCJK-VF.otf.ttc"
    if not path.is_file():
        raise FileNotFoundError(f"CJK font missing: {path} (reinstall manimgx-fonts-cjk)")
    return path


@lru_cache(maxsize=32)
def load_font(size: int, weight: int = 400) -> ImageFont.FreeTypeFont:
    """The Simplified Chinese face at ``size`` px and ``weight`` (100..900, via the variation axis)."""
    font = ImageFont.truetype(str(font_path()), int(size), index=FONT_INDEX_SC)
    font.set_variation_by_axes([max(100, min(900, int(weight)))])
    return font


# --- glyph coverage: read the cmap of the SC face (format 4 and 12 subtables) -----------------

@lru_cache(maxsize=1)
def _cmap_ranges() -> tuple[list[int], list[int]]:
    with font_path().open("rb") as fh:
        def read(offset: int, size: int) -> bytes:
            fh.seek(offset)
            return fh.read(size)

        tag, _, count = struct.unpack(">4sII", read(0, 12))
        if tag != b"ttcf" or count <= FONT_INDEX_SC:
            raise ValueError("unexpected font collection layout")
        (face,) = struct.unpack(">I", read(12 + 4 * FONT_INDEX_SC, 4))
        (num_tables,) = struct.unpack(">H", read(face + 4, 2))
        cmap = None
        for i in range(num_tables):
            t, _, off, _ = struct.unpack(">4sIII", read(face + 12 + 16 * i, 16))
            if t == b"cmap":
                cmap = off
        if cmap is None:
            raise ValueError("font has no cmap table")
        _, n = struct.unpack(">HH", read(cmap, 4))
        subtables = {}
        for i in range(n):
            pid, eid, off = struct.unpack(">HHI", read(cmap + 4 + 8 * i, 8))
            subtables[(pid, eid)] = cmap + off
        starts: list[int] = []
        ends: list[int] = []
        for key in ((3, 10), (0, 4), (0, 6)):
            if key in subtables:  # format 12: full Unicode
                base = subtables[key]
                fmt, = struct.unpack(">H", read(base, 2))
                if fmt == 12:
                    (groups,) = struct.unpack(">I", read(base + 12, 4))
                    data = read(base + 16, 12 * groups)
                    for g in range(groups):
                        s, e, _ = struct.unpack_from(">III", data, 12 * g)
                        starts.append(s)
                        ends.append(e)
                    break
        else:
            base = subtables.get((3, 1), subtables.get((0, 3)))
            if base is None:
                raise ValueError("font has no Unicode cmap")
            _, length = struct.unpack(">HH", read(base, 4))
            data = read(base, length)
            segs = struct.unpack_from(">H", data, 6)[0] // 2
            end_codes = struct.unpack_from(f">{segs}H", data, 14)
            start_codes = struct.unpack_from(f">{segs}H", data, 16 + 2 * segs)
            for s, e in zip(start_codes, end_codes):
                if s != 0xFFFF:  # glyph ids within a segment may be 0; good enough for this font
                    starts.append(s)
                    ends.append(e)
        order = sorted(range(len(starts)), key=starts.__getitem__)
        return [starts[i] for i in order], [ends[i] for i in order]


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` the font cannot draw (whitespace and controls ignored)."""
    starts, ends = _cmap_ranges()
    out = []
    for ch in dict.fromkeys(text):
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"):
            continue
        i = bisect.bisect_right(starts, ord(ch)) - 1
        if i < 0 or ord(ch) > ends[i]:
            out.append(ch)
    return out


def has_glyphs(text: str) -> bool:
    """True when the font's cmap covers every visible character of ``text``."""
    return not missing_glyphs(text)


# --- wrapping ------------------------------------------------------------------------------------

# The one CJK rule: text with any of these characters is measured by the CJK subtitle, reading-speed and speech
# rules (CJK punctuation, kana, ideographs, Hangul, compatibility ideographs, full-width forms).
CJK_CHAR = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def is_cjk_text(text: str) -> bool:
    """Text measured by the CJK rules (a Chinese, Japanese or Korean character in it)."""
    return CJK_CHAR.search(text) is not None


def cjk_count(text: str) -> int:
    """How many CJK characters ``text`` holds."""
    return len(CJK_CHAR.findall(text))


def is_cjk(ch: str) -> bool:
    """A wide (CJK ideograph, kana, hangul or full-width punctuation) character."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def line_length(line: str) -> int:
    """Characters on a line, the unit of the subtitle limits (every character counts 1)."""
    return len(line)


def _tokens(text: str) -> list[str]:
    """Unbreakable pieces: single CJK characters, Latin words, single spaces; punctuation glued."""
    raw = re.findall(r"\s+|[^\s]", text)
    out: list[str] = []
    for piece in raw:
        if piece.isspace():
            if out and out[-1] != " ":
                out.append(" ")
            continue
        prev = out[-1] if out else ""
        glue = prev and prev != " " and (
            (not is_cjk(piece) and not is_cjk(prev[-1]) and piece not in _NO_END)  # same Latin word
            or piece in _NO_START or prev[-1] in _NO_END)
        if glue:
            out[-1] = prev + piece
        else:
            out.append(piece)
    while out and out[0] == " ":
        out.pop(0)
    while out and out[-1] == " ":
        out.pop()
    return out


def _join(tokens: list[str]) -> str:
    return "".join(tokens).strip()


def _split_long(token: str, limit: int) -> list[str]:
    return [token[i:i + limit] for i in range(0, len(token), limit)]


def _greedy(tokens: list[str], limit: int) -> list[list[str]]:
    lines: list[list[str]] = [[]]
    for tok in tokens:
        if tok == " " and not lines[-1]:
            continue
        if line_length(_join(lines[-1] + [tok])) <= limit or not lines[-1]:
            lines[-1].append(tok)
        else:
            lines.append([] if tok == " " else [tok])
    return [ln for ln in lines if _join(ln)]


def _balance(tokens: list[str], limit: int) -> list[str]:
    """Wrap into as few lines as greedy needs, with breaks chosen to even the lengths out."""
    greedy = _greedy(tokens, limit)
    if len(greedy) != 2:
        return [_join(ln) for ln in greedy]
    best: tuple[float, int] | None = None
    for cut in range(1, len(tokens)):
        a, b = _join(tokens[:cut]), _join(tokens[cut:])
        if not a or not b or line_length(a) > limit or line_length(b) > limit:
            continue
        score = abs(line_length(a) - line_length(b)) - (0.6 * limit if _last(a) in _SENTENCE + _CLAUSE else 0)
        score += 0.01 * line_length(b)  # ties: the longer line on top
        if best is None or score < best[0]:
            best = (score, cut)
    if best is None:
        return [_join(ln) for ln in greedy]
    return [_join(tokens[:best[1]]), _join(tokens[best[1]:])]


def _fits(tokens: list[str], limit: int, max_lines: int) -> bool:
    return len(_greedy(tokens, limit)) <= max_lines


def _split_after(tokens: list[str], marks: str) -> list[list[str]]:
    """Split a token list after tokens ending with one of ``marks``."""
    parts: list[list[str]] = [[]]
    for tok in tokens:
        parts[-1].append(tok)
        if _last(tok) in marks:
            parts.append([])
    return [_strip(p) for p in parts if _join(p)]


def _strip(tokens: list[str]) -> list[str]:
    while tokens and tokens[0] == " ":
        tokens = tokens[1:]
    while tokens and tokens[-1] == " ":
        tokens = tokens[:-1]
    return tokens


def _split_cues(tokens: list[str], limit: int, max_lines: int) -> list[list[str]]:
    """Cut a sentence too long for one cue into the fewest cues, evened out, preferring punctuation."""
    n = len(tokens)
    need = -(-len(_greedy(tokens, limit)) // max_lines)
    ideal = line_length(_join(tokens)) / max(1, need)
    best = [math.inf] * (n + 1)
    prev = [0] * (n + 1)
    best[0] = 0.0
    for i in range(1, n + 1):
        for j in range(i - 1, -1, -1):
            chunk = tokens[j:i]
            if not _fits(chunk, limit, max_lines):
                break
            if best[j] == math.inf or not _join(chunk):
                continue
            end = _last(tokens[i - 1])
            bonus = 0.0 if i == n else 1.0 * limit if end in _SENTENCE else 0.8 * limit if end in _CLAUSE else 0.0
            cost = best[j] + 10 * limit + abs(line_length(_join(chunk)) - ideal) - bonus
            if cost < best[i]:
                best[i], prev[i] = cost, j
    cuts = [n]
    while cuts[-1] > 0:
        cuts.append(prev[cuts[-1]])
    cuts.reverse()
    return [_strip(tokens[x:y]) for x, y in zip(cuts, cuts[1:]) if _join(tokens[x:y])]


def wrap_subtitle(text: str, max_cjk: int = 16, max_latin: int = 29,
                  max_lines: int = 2) -> list[list[str]]:
    """Split ``text`` into subtitle cues of at most ``max_lines`` lines each.

    Text containing CJK is limited to ``max_cjk`` characters a line, other text to
    ``max_latin``; Latin words are never split unless longer than a line. Sentences
    start new cues when they fit; the lines of a cue are balanced.
    """
    text = " ".join(text.split())
    if not text:
        return []
    limit = max_cjk if is_cjk_text(text) else max_latin
    if limit < 1 or max_lines < 1:
        raise ValueError("line and cue limits must be positive")
    tokens: list[str] = []
    for tok in _tokens(text):
        tokens.extend(_split_long(tok, limit) if line_length(tok) > limit else [tok])
    units: list[list[str]] = []
    for sentence in _split_after(tokens, _SENTENCE):
        units.extend([sentence] if _fits(sentence, limit, max_lines) else _split_cues(sentence, limit, max_lines))
    cues: list[list[str]] = []
    pending: list[str] = []
    for unit in units:
        trial = pending + ([" "] if pending and not is_cjk(_join(pending)[-1]) else []) + unit
        # share a cue only when the new unit starts its own line (or everything fits on one line)
        own_lines = len(_greedy(pending, limit)) + len(_greedy(unit, limit)) if pending else 0
        if not pending or len(_greedy(trial, limit)) == 1 or own_lines <= max_lines:
            pending = trial
            continue
        if pending:
            cues.append(_balance(pending, limit))
        pending = unit
    if pending:
        cues.append(_balance(pending, limit))
    return [cue for cue in cues if cue]


# --- text layers ---------------------------------------------------------------------------------

def _premultiply(rgba: np.ndarray) -> np.ndarray:
    out = rgba.astype(np.uint16)
    out[..., :3] = (out[..., :3] * out[..., 3:4] + 127) // 255
    return out.astype(np.uint8)


def render_text_layer(lines: list[str], width: int, font_size: int,
                      style: TextStyle = "subtitle") -> np.ndarray:
    """A premultiplied RGBA layer ``width`` wide holding ``lines`` centred (shrunk to fit the width).

    ``subtitle``: white text with a dark stroke and soft shadow; ``caption``: dark text on
    a light banner; ``title``: large bold white text with a thick coloured stroke.
    """
    lines = [ln for ln in lines if ln.strip()]
    weight = {"subtitle": 700, "caption": 700, "title": 900}[style]
    font = load_font(font_size, weight)
    widest = max((font.getlength(ln) for ln in lines), default=0.0) + font_size * (2.0 if style == "caption" else 0.4)
    if widest > width * FIT_WIDTH and font_size > 8:  # too wide for the safe zone: shrink rather than clip
        return render_text_layer(lines, width, max(8, int(font_size * width * FIT_WIDTH / widest)), style)
    stroke = {"subtitle": max(2, font_size // 9), "caption": 0, "title": max(3, font_size // 7)}[style]
    line_h = int(font_size * 1.32)
    pad_y = int(font_size * (0.55 if style == "caption" else 0.3)) + stroke
    height = max(1, line_h * len(lines) + 2 * pad_y)
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    ascent, descent = font.getmetrics()
    offset_y = (line_h - (ascent + descent)) // 2
    widths = [draw.textlength(ln, font=font) for ln in lines]
    if style == "caption" and lines:
        box_w = min(width, int(max(widths) + 2 * font_size))
        x0 = (width - box_w) // 2
        draw.rounded_rectangle((x0 + 4, 8, x0 + box_w - 4 + 4, height - 1), radius=font_size // 3,
                               fill=(0, 0, 0, 90))
        draw.rounded_rectangle((x0, 4, x0 + box_w - 4, height - 5), radius=font_size // 3,
                               fill=(255, 236, 160, 240), outline=(40, 34, 30, 255),
                               width=max(2, font_size // 16))
    fill = {"subtitle": (255, 255, 255, 255), "caption": (35, 30, 28, 255), "title": (255, 255, 255, 255)}[style]
    stroke_fill = {"subtitle": (20, 20, 24, 255), "caption": (0, 0, 0, 0), "title": (200, 40, 60, 255)}[style]
    if style == "subtitle":  # soft drop shadow under the stroke
        shadow = Image.new("RGBA", img.size, (0, 0, 0, 0))
        sdraw = ImageDraw.Draw(shadow)
        for i, ln in enumerate(lines):
            x = (width - widths[i]) / 2 + font_size * 0.06
            y = pad_y + i * line_h + offset_y + font_size * 0.08
            sdraw.text((x, y), ln, font=font, fill=(0, 0, 0, 150), stroke_width=stroke,
                       stroke_fill=(0, 0, 0, 150))
        img = Image.alpha_composite(img, shadow)
        draw = ImageDraw.Draw(img)
    for i, ln in enumerate(lines):
        x = (width - widths[i]) / 2
        y = pad_y + i * line_h + offset_y
        draw.text((x, y), ln, font=font, fill=fill, stroke_width=stroke, stroke_fill=stroke_fill)
    return _premultiply(np.asarray(img))

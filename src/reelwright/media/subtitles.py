"""Subtitle tracks: cues laid out to a language's rules, written as SRT, ASS and WebVTT with pysubs2.

A :class:`SubCue` is in frames at the episode rate (seconds appear only in the
files). :func:`layout_text` splits one line of text into cues inside its time
window so that every cue keeps the rules of :class:`SubtitleRules`: at most
``max_cjk`` characters a line for text with CJK characters and ``max_latin``
otherwise, at most ``max_lines`` lines, and a reading speed of at most
``cps_cjk`` / ``cps_latin`` characters a second (line breaks not counted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from reelwright.documents.base import atomic_write_text
from reelwright.media.text import is_cjk_text, wrap_subtitle

__all__ = ["SubCue", "SubtitleRules", "layout_text", "cue_problems", "track_problems", "write_subtitles",
           "subtitle_string", "is_cjk_text", "chars_of", "SUBTITLE_FORMATS", "merge_captions"]

SUBTITLE_FORMATS = ("srt", "ass", "vtt")
def chars_of(text: str) -> int:
    """Characters a cue shows, line breaks not counted (what reading speed is measured in)."""
    return len(text.replace("\n", ""))


@dataclass(frozen=True)
class SubCue:
    start: int  # first frame
    end: int  # frame after the last
    text: str  # lines joined by "\n"
    kind: str = "dialogue"  # dialogue | caption
    line: int | None = None  # dialogue index in the episode

    def shifted(self, frames: int) -> "SubCue":
        return SubCue(self.start + frames, self.end + frames, self.text, self.kind, self.line)


@dataclass(frozen=True)
class SubtitleRules:
    fps: int = 30
    max_cjk: int = 16
    max_latin: int = 29
    max_lines: int = 2
    cps_cjk: float = 9.0
    cps_latin: float = 17.0
    min_seconds: float = 0.83

    def limit(self, text: str) -> int:
        return self.max_cjk if is_cjk_text(text) else self.max_latin

    def cps(self, text: str) -> float:
        return self.cps_cjk if is_cjk_text(text) else self.cps_latin

    def frames_for(self, chars: int, text: str) -> int:
        """Fewest frames that show ``chars`` characters of ``text`` at the reading-speed limit."""
        return max(1, math.ceil(chars * self.fps / self.cps(text) - 1e-9))

    def budget(self, frames: int, text_is_cjk: bool) -> int:
        """Most characters that can be read in ``frames`` (a little kept back for cue boundaries)."""
        cps = self.cps_cjk if text_is_cjk else self.cps_latin
        return max(2, int(frames / self.fps * cps * 0.94) - 1)


def _wrap(text: str, rules: SubtitleRules) -> list[list[str]]:
    return wrap_subtitle(text, max_cjk=rules.max_cjk, max_latin=rules.max_latin, max_lines=rules.max_lines)


def layout_text(text: str, start: int, audio_end: int, window_end: int, rules: SubtitleRules, *,
                kind: str = "dialogue", line: int | None = None) -> list[SubCue]:
    """Cues for ``text`` from ``start``: on screen at least while it is heard (``audio_end``) and as long as
    reading needs, never past ``window_end``. Each cue gets time in proportion to its characters."""
    chunks = [[ln for ln in chunk if ln] for chunk in _wrap(text, rules)]
    chunks = [c for c in chunks if c]
    if not chunks or window_end <= start:
        return []
    texts = ["\n".join(c) for c in chunks]
    need = [rules.frames_for(chars_of(t), t) for t in texts]
    min_frames = max(1, round(rules.min_seconds * rules.fps))
    total_need = sum(need)
    end = min(window_end, max(audio_end, start + total_need, start + min_frames * len(texts)))
    span = end - start
    if span >= total_need:  # spread the slack in proportion to the characters
        slack = span - total_need
        weights = [chars_of(t) for t in texts]
        extra = _apportion(slack, weights)
        frames = [n + e for n, e in zip(need, extra)]
    else:  # not enough time: squeeze in proportion (the caller's checks report the speed)
        frames = _apportion(span, need)
    out, pos = [], start
    for t, f in zip(texts, frames):
        if f <= 0:
            continue
        out.append(SubCue(pos, pos + f, t, kind, line))
        pos += f
    return out


def _apportion(total: int, weights: list[int]) -> list[int]:
    """Integers summing to ``total`` in proportion to ``weights`` (largest remainders)."""
    w = sum(weights)
    if w <= 0:
        base = [total // len(weights)] * len(weights)
        base[-1] += total - sum(base)
        return base
    exact = [total * x / w for x in weights]
    out = [math.floor(e) for e in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - out[i], reverse=True)
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def cue_problems(cue: SubCue, rules: SubtitleRules) -> list[str]:
    """How one cue breaks the rules (empty when it keeps them all)."""
    problems = []
    lines = cue.text.split("\n")
    if len(lines) > rules.max_lines:
        problems.append(f"{len(lines)} lines (at most {rules.max_lines})")
    limit = rules.limit(cue.text)
    for ln in lines:
        if len(ln) > limit:
            problems.append(f"line {ln!r} has {len(ln)} characters (at most {limit})")
    frames = cue.end - cue.start
    if frames <= 0:
        problems.append("no time on screen")
    else:
        cps = chars_of(cue.text) * rules.fps / frames
        if cps > rules.cps(cue.text) + 1e-9:
            problems.append(f"{cps:.1f} characters a second (at most {rules.cps(cue.text):g})")
    return problems


def track_problems(cues: list[SubCue], rules: SubtitleRules) -> list[str]:
    """Every broken rule in a track, each naming the cue: lengths, lines, speed, overlaps."""
    out = []
    for i, cue in enumerate(cues):
        where = f"cue {i + 1} at {cue.start / rules.fps:.2f}s {cue.text.replace(chr(10), ' / ')!r}"
        out += [f"{where}: {p}" for p in cue_problems(cue, rules)]
        if i and cue.start < cues[i - 1].end:
            out.append(f"{where}: overlaps the cue before")
    return out


def _ssa(cues: list[SubCue], fps: int, width: int, height: int, language: str, title: str):
    import pysubs2  # noqa: PLC0415

    subs = pysubs2.SSAFile()
    subs.info["Title"] = title
    subs.info["PlayResX"] = str(width)
    subs.info["PlayResY"] = str(height)
    subs.info["WrapStyle"] = "2"  # our line breaks only
    if language:
        subs.info["Language"] = language
    size = round(height * 0.034)
    subs.styles["Default"] = pysubs2.SSAStyle(
        fontname="Noto Sans CJK SC", fontsize=size, bold=True, primarycolor=pysubs2.Color(255, 255, 255),
        outlinecolor=pysubs2.Color(20, 20, 24), backcolor=pysubs2.Color(0, 0, 0, 110), outline=max(2, size // 9),
        shadow=2, alignment=pysubs2.Alignment.BOTTOM_CENTER, marginv=round(height * 0.20), marginl=round(width * 0.04),
        marginr=round(width * 0.04))
    subs.styles["Caption"] = pysubs2.SSAStyle(
        fontname="Noto Sans CJK SC", fontsize=round(height * 0.032), bold=True,
        primarycolor=pysubs2.Color(35, 30, 28), outlinecolor=pysubs2.Color(255, 236, 160), outline=3, shadow=0,
        alignment=pysubs2.Alignment.TOP_CENTER, marginv=round(height * 0.09))
    for cue in cues:
        subs.append(pysubs2.SSAEvent(start=round(cue.start * 1000 / fps), end=round(cue.end * 1000 / fps),
                                     text=cue.text.replace("\n", "\\N"),
                                     style="Caption" if cue.kind == "caption" else "Default"))
    return subs


def subtitle_string(cues: list[SubCue], fmt: str, *, fps: int, width: int = 1080, height: int = 1920,
                    language: str = "", title: str = "") -> str:
    """The track as SRT, ASS or WebVTT text."""
    if fmt not in SUBTITLE_FORMATS:
        raise ValueError(f"unknown subtitle format {fmt!r}; expected one of {', '.join(SUBTITLE_FORMATS)}")
    subs = _ssa(cues, fps, width, height, language, title)
    return subs.to_string(fmt)


def write_subtitles(cues: list[SubCue], path: Path, fmt: str | None = None, **kw) -> Path:
    """Write the track atomically; the format comes from ``fmt`` or the file's suffix."""

    path = Path(path)
    atomic_write_text(path, subtitle_string(cues, fmt or path.suffix.lstrip(".").lower(), **kw))
    return path


def merge_captions(dialogue: list[SubCue], captions: list[SubCue], min_frames: int = 1) -> list[SubCue]:
    """One track without overlaps: each caption keeps its longest stretch free of dialogue cues
    (dropped when shorter than ``min_frames``)."""
    out = list(dialogue)
    for cap in captions:
        free = [(cap.start, cap.end)]
        for d in dialogue:
            nxt = []
            for a, b in free:
                if d.end <= a or d.start >= b:
                    nxt.append((a, b))
                    continue
                if d.start > a:
                    nxt.append((a, d.start))
                if d.end < b:
                    nxt.append((d.end, b))
            free = nxt
        if free:
            a, b = max(free, key=lambda r: r[1] - r[0])
            if b - a >= min_frames:
                out.append(SubCue(a, b, cap.text, "caption", cap.line))
    return sorted(out, key=lambda c: (c.start, c.end))

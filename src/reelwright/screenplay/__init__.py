"""Script parsers and writers: Fountain and the Chinese short-drama convention, one document model.

>>> doc = parse_text("第1集\\n1-1 日 内 客厅\\n林晚：你好。\\n")
>>> doc.format, doc.episodes[0].dialogue()[0].text
('zh', '你好。')
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from reelwright.documents.base import read_text
from reelwright.documents.script import ScriptDocument
from reelwright.errors import InputError
from reelwright.screenplay.chinese import parse_chinese, write_chinese
from reelwright.screenplay.fountain import parse_fountain, write_fountain

__all__ = [
    "parse_fountain",
    "write_fountain",
    "parse_chinese",
    "write_chinese",
    "detect_format",
    "parse_text",
    "parse_script",
    "SCRIPT_SUFFIXES",
]

SCRIPT_SUFFIXES = (".fountain", ".txt", ".md")

_ZH_MARKERS = re.compile(
    r"^[ \t\u3000]*(?:第\s*(?:[0-9０-９]+|[零〇一二两三四五六七八九十百千]+)\s*[集场]"
    r"|\d+\s*[-－—–]\s*\d+\s*[\u3400-\u9fff]|[△▲]|人物\s*[：:]|人物小传|大纲\s*[：:]|【\s*(?:字幕|闪回))",
    re.M,
)
_ZH_DIALOGUE = re.compile(r"^[ \t\u3000]*[\u3400-\u9fff][^：:\n]{0,15}[：:][ \t\u3000]*\S", re.M)
_FOUNTAIN_MARKERS = re.compile(
    r"^(?:(?:INT\.?/EXT|EXT\.?/INT|I/E|INT|EXT|EST)[.\s]|\.[^\W_]|@\S|>.*<\s*$|[A-Z][A-Z .'\-]*TO:\s*$)"
    r"|^(?:Title|Author|Credit)\s*:", re.M | re.I,
)


def detect_format(text: str) -> Literal["fountain", "zh"]:
    """``"zh"`` when the text reads as the Chinese convention (第N集, 1-1 日 内, △, 人物：, 名字：台词), else ``"fountain"``."""
    zh = len(_ZH_MARKERS.findall(text)) + len(_ZH_DIALOGUE.findall(text))
    fountain = len(_FOUNTAIN_MARKERS.findall(text))
    return "zh" if zh > fountain else "fountain"


def parse_text(text: str, path: str | Path | None = None,
               fmt: Literal["fountain", "zh"] | None = None) -> ScriptDocument:
    """Parse script text in ``fmt``, or in the format :func:`detect_format` finds."""
    fmt = fmt or detect_format(text)
    if fmt == "zh":
        return parse_chinese(text, path)
    if fmt == "fountain":
        return parse_fountain(text, path)
    raise ValueError(f"unknown script format {fmt!r}: expected 'fountain' or 'zh'")


def parse_script(path: str | Path) -> ScriptDocument:
    """Read and parse a ``.fountain``, ``.txt`` or ``.md`` script; the format is told by content."""
    path = Path(path)
    if path.suffix.lower() not in SCRIPT_SUFFIXES:
        raise InputError(f"not a script file: expected one of {', '.join(SCRIPT_SUFFIXES)}", path=path)
    return parse_text(read_text(path), path)

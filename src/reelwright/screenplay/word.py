"""Word (.docx) scripts: the paragraphs become lines of one of the three layouts, told by content.

Each paragraph is one line (a soft line break inside it starts another); empty paragraphs are blank lines.
A paragraph in Word's ``Title`` style is the script's title. For Fountain typed into Word, paragraph styles
named after screenplay elements (``Scene Heading``, ``Character``, ``Parenthetical``, ``Dialogue``,
``Transition``, ``Action``, as screenplay templates name them) decide the element; without them, blank lines
are put between paragraphs except after a cue. Lines in the parsed document and in errors are paragraph
numbers (``ep01.docx:12`` is the 12th paragraph).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError

from reelwright.errors import InputError

__all__ = ["docx_lines", "fountain_text", "DocxText"]

_STYLE_KINDS = {
    "scene heading": "heading", "slugline": "heading", "scene": "heading", "character": "cue",
    "parenthetical": "paren", "dialogue": "dialogue", "transition": "transition", "action": "action",
    "general": "action", "shot": "action",
}
_CUE_LIKE = re.compile(r"^[^a-z]*[A-Z][^a-z]*$")
_SPACES = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u200b": "", "\ufeff": ""})
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９－", "0123456789-")
_WIDE_SCENE = re.compile(r"^[ \t\u3000]*[０-９0-9]+[ \t\u3000]*[－\-—–][ \t\u3000]*[０-９0-9]+")


def _ascii_scene_number(line: str) -> str:
    """``１－２ 日 内 客厅`` (typed with a Chinese input method) -> ``1-2 日 内 客厅``."""
    m = _WIDE_SCENE.match(line)
    return m.group(0).translate(_WIDE_DIGITS) + line[m.end():] if m else line


@dataclass
class DocxText:
    """The text a .docx holds, one line per paragraph or soft line break, and each line's paragraph number."""

    lines: list[str]
    paragraph_of: list[int]  # paragraph_of[i] is the paragraph (1-based) of line i + 1
    title: str | None
    styles: list[str | None]  # per line: the screenplay element its paragraph style names, if any
    tables: int = 0  # tables in the body: their text is not read

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _style_name(paragraph) -> str:
    try:
        return (paragraph.style.name or "").strip() if paragraph.style is not None else ""
    except (KeyError, AttributeError):  # a style the file names but does not define
        return ""


def docx_lines(path: str | Path) -> DocxText:
    """Read the paragraphs of a .docx; an unreadable file is an :class:`InputError` naming it."""
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"cannot read this Word file ({exc}): save it as .docx (Word 2007 or later)",
                         path=path) from exc
    lines: list[str] = []
    paragraph_of: list[int] = []
    styles: list[str | None] = []
    title = None
    for number, paragraph in enumerate(document.paragraphs, 1):
        text = paragraph.text.translate(_SPACES).replace("\r", "\n").replace("\x0b", "\n")
        style = _style_name(paragraph)
        if style == "Title" and title is None and text.strip():
            title = " ".join(text.split())
            lines.append("")
            paragraph_of.append(number)
            styles.append(None)
            continue
        kind = _STYLE_KINDS.get(style.casefold())
        for line in text.split("\n"):
            lines.append(_ascii_scene_number(line.rstrip()))
            paragraph_of.append(number)
            styles.append(kind)
    return DocxText(lines, paragraph_of, title, styles, len(document.tables))


def fountain_text(d: DocxText) -> tuple[str, list[int]]:
    """Fountain text for a .docx holding a screenplay, and each output line's paragraph number.

    Paragraph styles name the elements where the file has them; otherwise a blank line goes between
    paragraphs except after a cue (a short line in capitals) and after a parenthetical under a cue.
    """
    out: list[str] = []
    where: list[int] = []
    has_blanks = sum(1 for s in d.lines if not s.strip()) * 4 >= sum(1 for s in d.lines if s.strip())
    styled = any(d.styles)
    prev_kind = None
    prev_para = None

    def emit(line: str, para: int) -> None:
        out.append(line)
        where.append(para)

    if d.title:
        emit(f"Title: {d.title}", d.paragraph_of[0] if d.paragraph_of else 1)
        emit("", 0)
    for line, para, kind in zip(d.lines, d.paragraph_of, d.styles):
        s = line.strip()
        if styled:
            if not s:
                continue
            tight = kind in ("dialogue", "paren") and prev_kind in ("cue", "dialogue", "paren")
            if out and out[-1] != "" and not tight and para != prev_para:
                emit("", 0)
            if kind == "heading" and not re.match(r"^(?:INT|EXT|EST|I/E)[.\s/]", s, re.I):
                s = "." + s
            elif kind == "cue" and s != s.upper():
                s = "@" + s
            elif kind == "transition" and not (s.isupper() and s.endswith("TO:")):
                s = "> " + s
            elif kind == "paren" and not s.startswith("("):
                s = f"({s})"
            elif kind == "action" and (_CUE_LIKE.match(s) and len(s) < 40):
                s = "!" + s
            emit(s, para)
            prev_kind, prev_para = kind, para
            continue
        if has_blanks:
            emit(line, para)
            continue
        if not s:
            continue
        cue_before = prev_kind == "cue" or (prev_kind == "paren")
        if out and out[-1] != "" and not cue_before and para != prev_para:
            emit("", 0)
        emit(line, para)
        if len(s) < 40 and _CUE_LIKE.match(s) and not s.endswith(("TO:", ".", ":")) \
                and not re.match(r"^(?:INT|EXT|EST|I/E)[.\s/]", s):
            prev_kind = "cue"
        elif s.startswith("(") and s.endswith(")") and prev_kind == "cue":
            prev_kind = "paren"
        else:
            prev_kind = None
        prev_para = para
    return "\n".join(out) + "\n", [p or (where[k - 1] if k else 1) for k, p in enumerate(where)]

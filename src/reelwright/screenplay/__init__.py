"""Script parsers and writers: Fountain, the Chinese and English short-drama layouts, Word and Final Draft files.

>>> doc = parse_text("第1集\\n1-1 日 内 客厅\\n林晚：你好。\\n")
>>> doc.format, doc.episodes[0].dialogue()[0].text
('zh', '你好。')
>>> parse_text("Episode 1\\nScene 1-1: INT. SHOP - NIGHT\\nWEI: You came back.\\n").format
'en'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from reelwright.documents.base import read_text
from reelwright.documents.script import (
    Action, Caption, Centered, Dialogue, Lyrics, SceneHeading, ScriptDocument,
)
from reelwright.errors import InputError, Problem
from reelwright.fsutil import read_user_bytes, user_file
from reelwright.limits import MAX_LINE_CHARS, MAX_SCRIPT_BYTES
from reelwright.screenplay.chinese import parse_chinese, write_chinese
from reelwright.screenplay.english import english_score, parse_english, write_english
from reelwright.screenplay.fdx import parse_fdx, write_fdx
from reelwright.screenplay.fountain import parse_fountain, write_fountain
from reelwright.screenplay.names import link_cues
from reelwright.screenplay.word import docx_lines, fountain_text

__all__ = [
    "parse_fountain",
    "write_fountain",
    "parse_chinese",
    "write_chinese",
    "parse_english",
    "write_english",
    "parse_fdx",
    "write_fdx",
    "detect_format",
    "parse_text",
    "parse_script",
    "write_script",
    "SCRIPT_SUFFIXES",
    "FORMATS",
]

SCRIPT_SUFFIXES = (".fountain", ".txt", ".md", ".docx", ".fdx")
FORMATS = ("fountain", "zh", "en", "fdx")  # what `parse --to` writes

Layout = Literal["fountain", "zh", "en"]

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
_FOUNTAIN_CUE = re.compile(r"(?:^|\n)[ \t]*\n[ \t]*[A-Z][A-Z0-9 .'\-]*(?:\([^)\n]*\))?[ \t]*\n[ \t]*[^\s\n]")


def detect_format(text: str) -> Layout:
    """Which layout ``text`` is written in: ``"zh"`` (第N集, 1-1 日 内, △, 名字：台词), ``"en"`` (Episode N,
    Scene 1-1: INT. …, NAME: text) or ``"fountain"`` (INT. PLACE - DAY, cues on their own line); ties go to
    Fountain."""
    zh_markers, cjk_dialogue = len(_ZH_MARKERS.findall(text)), len(_ZH_DIALOGUE.findall(text))
    fountain = len(_FOUNTAIN_MARKERS.findall(text)) + len(_FOUNTAIN_CUE.findall("\n" + text))
    en = english_score(text)
    if en and not zh_markers:  # Chinese names speaking in the English layout (Episode 1, Scene 1-1: …)
        en += cjk_dialogue
        cjk_dialogue = 0
    zh = zh_markers + cjk_dialogue
    if zh > max(fountain, en):
        return "zh"
    return "en" if en > fountain else "fountain"


def _has_content(elements) -> bool:
    return any(isinstance(e, (Dialogue, Action, Caption, Centered, Lyrics)) for e in elements)


def _finish(doc: ScriptDocument) -> ScriptDocument:
    """Link short cue names to full names and skip episodes with nothing under their marker (with a warning)."""
    if doc.format != "zh":
        link_cues(doc)
    kept = [ep for ep in doc.episodes if _has_content(ep.elements)]
    if kept and len(kept) < len(doc.episodes):
        for ep in doc.episodes:
            if not any(ep is k for k in kept):
                doc.warn(ep.line, f"episode {ep.number} has nothing under its marker (a heading for the next "
                                  "episode?): skipped")
        doc.episodes = kept
    doc.warnings.sort(key=lambda w: w.line)
    return doc


def parse_text(text: str, path: str | Path | None = None, fmt: Layout | None = None) -> ScriptDocument:
    """Parse script text in ``fmt``, or in the layout :func:`detect_format` finds."""
    fmt = fmt or detect_format(text)
    if fmt == "zh":
        doc = parse_chinese(text, path)
    elif fmt == "en":
        doc = parse_english(text, path)
    elif fmt == "fountain":
        doc = parse_fountain(text, path)
    else:
        raise ValueError(f"unknown script format {fmt!r}: expected 'fountain', 'zh' or 'en'")
    return _finish(doc)


def _first(doc: ScriptDocument, kinds) -> int:
    return next((e.line for ep in doc.episodes for e in ep.elements if isinstance(e, kinds)), 0)


def _require_dialogue(doc: ScriptDocument, where: str | None, hint: str = "") -> None:
    """No dialogue at all: an error that says which layout the file looked like and what did not match."""
    scenes = sum(len(ep.scenes()) for ep in doc.episodes)
    if any(ep.dialogue() for ep in doc.episodes):
        if not scenes:
            doc.warn(doc.episodes[0].line if doc.episodes else 1,
                     "no scene line: the episode plays in one unnamed place (add a scene line such as "
                     + {"zh": "'1-1 日 内 客厅'", "en": "'Scene 1-1: INT. PLACE - DAY'"}.get(doc.format,
                                                                                        "'INT. PLACE - DAY'") + ")")
        return
    line = _first(doc, Action) or _first(doc, SceneHeading) or 1
    found = f"{scenes} scene line(s) but no dialogue" if scenes else "no scenes and no dialogue"
    if doc.format == "en":
        cause = ("this looks like the English short-drama layout but no line matched `NAME: text` (a speaker's "
                 "name, a colon, then the words, e.g. 'WEI: You came back.')")
    elif doc.format == "zh":
        cause = "this looks like the Chinese short-drama layout but no line matched `角色：台词` (e.g. '林晚：你好。')"
    elif scenes:
        cause = ("this looks like Fountain but no character cue was found (a cue is a line in CAPITALS with the "
                 "speech on the very next line, no blank line between)")
    else:
        cause = ("nothing here reads as a script: expected Fountain (INT. PLACE - DAY; a NAME line, then the "
                 "speech), the Chinese layout (第1集; 1-1 日 内 客厅; 名字：台词) or the English short-drama layout "
                 "(Episode 1; Scene 1-1: INT. PLACE - DAY; NAME: text)")
    raise InputError(f"{found}: {cause}{hint}", path=where, line=line)


def _parse_docx(path: Path) -> tuple[ScriptDocument, str]:
    """The document and, when it has tables, what to add to a no-dialogue error."""
    d = docx_lines(path)
    fmt = detect_format(d.text)
    if fmt == "fountain":
        text, para = fountain_text(d)
    else:
        lines = list(d.lines)
        para = list(d.paragraph_of)
        if d.title:
            lines.insert(0, f"《{d.title}》" if fmt == "zh" else f'"{d.title}"')
            para.insert(0, d.paragraph_of[0] if d.paragraph_of else 1)
        text = "\n".join(lines) + "\n"

    def paragraph(line: int) -> int:
        return para[min(line, len(para)) - 1] if line > 0 and para else line

    try:
        doc = parse_text(text, path, fmt)
    except InputError as exc:
        raise InputError(problems=[Problem(p.path, paragraph(p.line) if p.line else p.line, p.message)
                                   for p in exc.problems]) from exc
    for ep in doc.episodes:
        ep.line = paragraph(ep.line)
        for el in ep.elements:
            el.line = paragraph(el.line)
    for bio in doc.bios:
        bio.line = paragraph(bio.line)
    for w in doc.warnings:
        w.line = paragraph(w.line)
    if not d.tables:
        return doc, ""
    doc.warn(1, f"{d.tables} table(s) in the document are not read: only paragraphs are (put the script there)")
    return doc, f"; the document's {d.tables} table(s) are not read"


def parse_script(path: str | Path, root: str | Path | None = None) -> ScriptDocument:
    """Read and parse a script file (.fountain, .txt, .md, .docx, .fdx); the layout is told by content.

    Only a regular file of at most :data:`~reelwright.limits.MAX_SCRIPT_BYTES` (inside ``root``, when given) is
    read, and a text script's lines are checked before parsing (:func:`line_problems`). A file with no dialogue at
    all is an :class:`InputError` naming the layout it looked like.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SCRIPT_SUFFIXES:
        raise InputError(f"not a script file: expected one of {', '.join(SCRIPT_SUFFIXES)}", path=path)
    if suffix in (".docx", ".fdx") and not path.is_file() and not path.exists():
        raise InputError("file not found", path=path)
    top = None if root is None else Path(root)
    hint = ""
    if suffix == ".docx":
        user_file(path, top, what="script")
        doc, hint = _parse_docx(path)
    elif suffix == ".fdx":
        doc = _finish(parse_fdx(read_user_bytes(path, MAX_SCRIPT_BYTES, top, what="script"), path))
    else:
        text = read_text(path, limit=MAX_SCRIPT_BYTES, root=top)
        problems = line_problems(text, path)
        if problems:
            raise InputError(problems=problems)
        doc = parse_text(text, path)
    _require_dialogue(doc, str(path), hint)
    return doc


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def line_problems(text: str, path: str | Path | None) -> list[Problem]:
    """A script's lines that no parser should see: over :data:`~reelwright.limits.MAX_LINE_CHARS` characters, or
    holding a NUL or another control character (a voice would choke on it)."""
    problems = []
    for no, raw in enumerate(text.splitlines(), 1):
        if len(raw) > MAX_LINE_CHARS:
            problems.append(Problem(path, no, f"line of {len(raw)} characters; the limit is {MAX_LINE_CHARS}"))
        if m := _CONTROL.search(raw):
            problems.append(Problem(path, no, f"control character U+{ord(m.group()):04X} in the line (a NUL or "
                                    "similar); remove it"))
    return problems


def write_script(doc: ScriptDocument, fmt: str) -> str:
    """``doc`` written as ``fmt``: one of :data:`FORMATS` (fountain, zh, en, fdx)."""
    writers = {"fountain": write_fountain, "zh": write_chinese, "en": write_english, "fdx": write_fdx}
    if fmt not in writers:
        raise ValueError(f"unknown script format {fmt!r}: expected one of {', '.join(FORMATS)}")
    return writers[fmt](doc)

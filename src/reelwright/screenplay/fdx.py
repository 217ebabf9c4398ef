"""Final Draft (.fdx): read into the script document and write back out.

Read with the standard library's SAX parser behind ``defusedxml`` (a file declaring entities is refused:
no billion-laughs or external-entity tricks); every element keeps the XML line of its ``<Paragraph>``.
Paragraph types: Scene Heading, Action (General, Shot), Character, Parenthetical, Dialogue, Transition,
Lyrics, and ``<DualDialogue>`` pairs; ``New Act`` paragraphs that read ``EPISODE N[: title]`` start an
episode (what :func:`write_fdx` writes for a document of several episodes). Action paragraphs
``SUPER: …``/``TITLE CARD: …`` are captions and ``BEGIN FLASHBACK:``/``END FLASHBACK.`` flashback markers,
as the Fountain writer spells them. The title page's centred paragraphs give the title, the
episode (``Episode 3: The Debt``), credit and author; others are kept as title-page keys.
"""

from __future__ import annotations

import re
import xml.sax
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

import defusedxml.sax
from defusedxml import DefusedXmlException

from reelwright.documents.script import (
    Action, Caption, Centered, Dialogue, DialoguePart, Element, Episode, Lyrics, Marker, SceneHeading,
    ScriptDocument, Transition, plain,
)
from reelwright.errors import InputError
from reelwright.screenplay.common import english_time, episode_number_from_path
from reelwright.screenplay.english import episode_marker
from reelwright.screenplay.fountain import split_heading

__all__ = ["parse_fdx", "write_fdx"]

_CAPTION = re.compile(r"^(SUPER|TITLE CARD|CAPTION|ON SCREEN|TITLE)\s*:\s*(.+)$", re.I | re.S)
_FLASHBACK_START = re.compile(r"^(?:BEGIN |START )?FLASHBACK\s*[:.]?$", re.I)
_FLASHBACK_END = re.compile(r"^(?:END (?:OF )?FLASHBACK|BACK TO (?:THE )?PRESENT)\s*[.:]?$", re.I)
_CUE = re.compile(r"^(.*?)((?:\s*\([^()]*\))*)\s*$")
_SETTING_PREFIX = {"INT": "INT.", "EXT": "EXT.", "EST": "EST.", "INT/EXT": "INT./EXT."}
_EMPHASIS = re.compile(r"(?<!\\)(\*{1,3}|_)(?=\S)(.+?)(?<=\S)(?<!\\)\1")  # as documents.script.plain reads it
_MARK_STYLES = {"***": ("Bold", "Italic"), "**": ("Bold",), "*": ("Italic",), "_": ("Underline",)}


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list["_Node"] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def find(self, tag: str) -> "_Node | None":
        return next((c for c in self.children if c.tag == tag), None)

    def all_text(self) -> str:
        """The text of the ``<Text>`` runs of a paragraph, joined; bold, italic and underline as Fountain marks."""
        return "".join(_marked("".join(c.text), c.attrs.get("Style", "")) for c in self.children if c.tag == "Text")


def _marked(text: str, style: str) -> str:
    """``text`` of a run in ``style`` (``Bold+Italic``…) with Fountain's emphasis marks, spaces kept outside."""
    styles = set(style.split("+"))
    core = text.strip()
    if not core or not styles & {"Bold", "Italic", "Underline"}:
        return text
    stars = ("**" if "Bold" in styles else "") + ("*" if "Italic" in styles else "")
    core = f"{stars}{core}{stars}"
    if "Underline" in styles:
        core = f"_{core}_"
    return text[:len(text) - len(text.lstrip())] + core + text[len(text.rstrip()):]


def _runs(text: str, outer: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Text with Fountain emphasis as ``(text, style)`` runs for ``<Text Style=…>``."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _EMPHASIS.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], "+".join(outer)))
        out += _runs(m.group(2), outer + _MARK_STYLES[m.group(1)])
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], "+".join(outer)))
    return [(t.replace("\\*", "*").replace("\\_", "_"), style) for t, style in out]


class _TreeHandler(xml.sax.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.root: _Node | None = None
        self.stack: list[_Node] = []
        self.locator = None

    def setDocumentLocator(self, locator) -> None:  # noqa: N802 (SAX API)
        self.locator = locator

    def startElement(self, name, attrs) -> None:  # noqa: N802
        node = _Node(name, dict(attrs), self.locator.getLineNumber() if self.locator else 0)
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def endElement(self, name) -> None:  # noqa: N802
        self.stack.pop()

    def characters(self, content) -> None:
        if self.stack:
            self.stack[-1].text.append(content)


def _tree(data: bytes, where: str | None) -> _Node:
    handler = _TreeHandler()
    try:
        defusedxml.sax.parseString(data, handler)
    except xml.sax.SAXParseException as exc:
        raise InputError(f"not well-formed Final Draft XML: {exc.getMessage()}", path=where,
                         line=exc.getLineNumber()) from exc
    except DefusedXmlException as exc:
        raise InputError(f"refused: the file declares XML entities ({exc}); Final Draft files never "
                         "need them", path=where) from exc
    if handler.root is None or handler.root.tag != "FinalDraft":
        raise InputError("not a Final Draft file: expected a <FinalDraft> root element", path=where,
                         line=handler.root.line if handler.root else 1)
    return handler.root


def _paragraphs(node: _Node | None) -> list[_Node]:
    return [c for c in node.children if c.tag == "Paragraph"] if node else []


class _Reader:
    def __init__(self, doc: ScriptDocument, path: str | None) -> None:
        self.doc, self.path = doc, path
        self.episode: Episode | None = None
        self.dialogue: Dialogue | None = None

    def add(self, el: Element) -> None:
        if self.episode is None:
            self.new_episode(episode_number_from_path(self.path) or 1, None, el.line)
        self.episode.elements.append(el)
        self.dialogue = el if isinstance(el, Dialogue) else None

    def new_episode(self, number: int, title: str | None, line: int) -> None:
        self.episode = Episode(number=number, title=title, line=line)
        self.doc.episodes.append(self.episode)

    def paragraph(self, p: _Node, dual: bool = False) -> None:
        if (inner := p.find("DualDialogue")) is not None:
            first = True
            for q in _paragraphs(inner):
                kind = q.attrs.get("Type", "")
                self.paragraph(q, dual=(kind == "Character" and not first))
                if kind == "Character":
                    first = False
            return
        kind = p.attrs.get("Type", "Action")
        text = p.all_text().replace("\r", "\n").strip()
        if not text:
            return
        line = p.line
        if kind == "Scene Heading":
            fields = split_heading(text)
            number = p.attrs.get("Number") or fields.pop("number")
            fields.pop("number", None)
            self.add(SceneHeading(**fields, number=number, line=line))
        elif kind == "Character":
            m = _CUE.match(text)
            exts = [e.strip() for e in re.findall(r"\(([^()]*)\)", m.group(2))]
            self.add(Dialogue(character=m.group(1).strip(), extensions=exts, parts=[], dual=dual, line=line))
        elif kind in ("Parenthetical", "Dialogue") and self.dialogue is not None:
            d = self.dialogue
            if kind == "Parenthetical":
                d.parts.append(DialoguePart(kind="parenthetical", text=text.strip("() ")))
                if len(d.parts) == 1:
                    d.emotion = d.parts[0].text
            else:
                d.parts.append(DialoguePart(text=text))
        elif kind == "Transition":
            self.add(Transition(text=text, line=line))
        elif kind == "Lyrics":
            self.add(Lyrics(text=text, line=line))
        elif kind == "New Act" and (marker := episode_marker(plain(text))):
            self.new_episode(*marker, line)
            self.dialogue = None
        elif m := _CAPTION.match(text):
            self.add(Caption(text=m.group(2).strip(), label=m.group(1).upper(), line=line))
        elif _FLASHBACK_START.match(text):
            self.add(Marker(kind="flashback_start", line=line))
        elif _FLASHBACK_END.match(text):
            self.add(Marker(kind="flashback_end", line=line))
        elif p.attrs.get("Alignment") == "Center":
            self.add(Centered(text=text, line=line))
        else:  # Action, General, Shot, and types this reader does not know
            self.add(Action(text=text, line=line))


def _title_page(doc: ScriptDocument, node: _Node | None) -> tuple[int | None, str | None]:
    """Fill title and title_page from <TitlePage>; the episode number and title it names, if any."""
    number = ep_title = None
    after_credit = False
    contact: list[str] = []
    content = node.find("Content") if node else None
    for p in _paragraphs(content):
        text = " ".join(p.all_text().split())
        if not text:
            continue
        if (marker := episode_marker(text)) and number is None:
            number, ep_title = marker
        elif doc.title is None:
            doc.title = text
            doc.title_page["Title"] = text
        elif re.fullmatch(r"(?:(?:written|story|teleplay|screenplay)\s+)?by|written by", text, re.I):
            doc.title_page["Credit"] = text
            after_credit = True
        elif after_credit and "Author" not in doc.title_page:
            doc.title_page["Author"] = text
        elif m := re.match(r"^(Draft date|Contact|Copyright|Notes|Revision)\s*:\s*(.+)$", text, re.I):
            doc.title_page[m.group(1).capitalize()] = m.group(2)
        else:
            contact.append(text)
    if contact:
        doc.title_page["Contact"] = "\n".join(contact)
    return number, ep_title


def parse_fdx(data: bytes, path: str | Path | None = None) -> ScriptDocument:
    """Parse Final Draft XML bytes into a :class:`ScriptDocument` (layout ``fountain``)."""
    where = str(path) if path is not None else None
    root = _tree(data, where)
    doc = ScriptDocument(format="fountain", source=where)
    number, ep_title = _title_page(doc, root.find("TitlePage"))
    reader = _Reader(doc, where)
    content = root.find("Content")
    if content is None:
        raise InputError("Final Draft file without <Content>: expected the script's paragraphs there", path=where,
                         line=root.line)
    paragraphs = _paragraphs(content)
    if number is not None:
        reader.new_episode(number, ep_title, paragraphs[0].line if paragraphs else content.line)
    for p in paragraphs:
        reader.paragraph(p)
    for ep in doc.episodes:
        for d in ep.dialogue():
            if not d.parts:
                doc.warn(d.line, f"cue {d.character} has no dialogue paragraph under it")
    return doc


# ---- writing -----------------------------------------------------------------------------------


def _para(parent: ET.Element, kind: str, text: str, **attrs: str) -> ET.Element:
    p = ET.SubElement(parent, "Paragraph", {"Type": kind, **attrs})
    for run, style in _runs(text) or [("", "")]:
        ET.SubElement(p, "Text", {"Style": style} if style else {}).text = run
    return p


def _heading_text(h: SceneHeading) -> str:
    if split_heading(h.text)["setting"] and not h.text.lower().startswith("scene"):
        return h.text
    time = english_time(h.time) if h.time else ""
    place = " ".join(filter(None, [_SETTING_PREFIX.get(h.setting, ""), h.location or h.text]))
    return place + (f" - {time}" if time else "")


def _dialogue(parent: ET.Element, d: Dialogue) -> None:
    _para(parent, "Character", d.character + "".join(f" ({e})" for e in d.extensions))
    parts = list(d.parts)
    if d.emotion and not (parts and parts[0].kind == "parenthetical" and parts[0].text == d.emotion):
        parts.insert(0, DialoguePart(kind="parenthetical", text=d.emotion))
    for part in parts:
        if part.kind == "parenthetical":
            _para(parent, "Parenthetical", f"({part.text})")
        else:
            _para(parent, "Dialogue", part.text)


def write_fdx(doc: ScriptDocument) -> str:
    """Final Draft XML (version 5) for ``doc``; sections, synopses, notes and page breaks are left out."""
    root = ET.Element("FinalDraft", {"DocumentType": "Script", "Template": "No", "Version": "5"})
    content = ET.SubElement(root, "Content")
    many = len(doc.episodes) > 1
    for ep in doc.episodes:
        if many:
            _para(content, "New Act", f"EPISODE {ep.number}" + (f": {ep.title}" if ep.title else ""))
        elements = ep.elements
        for k, el in enumerate(elements):
            nxt = elements[k + 1] if k + 1 < len(elements) else None
            if isinstance(el, Dialogue):
                if el.dual and k and isinstance(elements[k - 1], Dialogue):
                    continue  # written with the cue before it
                if isinstance(nxt, Dialogue) and nxt.dual:
                    dual = ET.SubElement(ET.SubElement(content, "Paragraph"), "DualDialogue")
                    _dialogue(dual, el)
                    _dialogue(dual, nxt)
                else:
                    _dialogue(content, el)
            elif isinstance(el, SceneHeading):
                attrs = {"Number": el.number} if el.number else {}
                _para(content, "Scene Heading", _heading_text(el), **attrs)
            elif isinstance(el, Action):
                _para(content, "Action", el.text)
            elif isinstance(el, Transition):
                _para(content, "Transition", el.text)
            elif isinstance(el, Centered):
                _para(content, "Action", el.text, Alignment="Center")
            elif isinstance(el, Lyrics):
                _para(content, "Lyrics", el.text)
            elif isinstance(el, Caption):
                _para(content, "Action", f"{el.label or 'SUPER'}: {el.text}")
            elif isinstance(el, Marker):
                _para(content, "Action", "BEGIN FLASHBACK:" if el.kind == "flashback_start" else "END FLASHBACK.")
    page = ET.SubElement(ET.SubElement(root, "TitlePage"), "Content")
    keys = dict(doc.title_page)
    title = keys.pop("Title", None) or doc.title
    if title:
        _para(page, "Title", " ".join(title.split()), Alignment="Center")
    if len(doc.episodes) == 1:
        ep = doc.episodes[0]
        _para(page, "Title", f"Episode {ep.number}" + (f": {ep.title}" if ep.title else ""), Alignment="Center")
    for key in ("Credit", "Author"):
        if key in keys:
            _para(page, "Title", " ".join(keys.pop(key).split()), Alignment="Center")
    for key, value in keys.items():
        first, *rest = value.split("\n") or [""]
        _para(page, "Title", f"{key}: {first}" if key != "Contact" else first, Alignment="Left")
        for s in rest:
            _para(page, "Title", s, Alignment="Left")
    ET.indent(root, "  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n' + body + "\n"

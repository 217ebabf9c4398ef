"""Fountain 1.1 (https://fountain.io/syntax): parse to a :class:`ScriptDocument` and write back.

A Fountain file holds one episode. Boneyard ``/* */`` is removed first (keeping
line numbers), notes ``[[ ]]`` standing alone become :class:`Note` elements and
inline ones are dropped; inside a dialogue block a note ``[[subtitle: …]]`` on its own line is the
line's subtitle in standard written language (the words above it being spoken in dialect). Title-page keys ``Episode``, ``Outline`` and
``Characters`` fill the episode number/title, ``outline`` and ``bios`` instead of
``title_page``. The writer adds forcing marks (``! . @ >``) only where an element
would otherwise read back as another type, so ``parse(write(parse(x)))`` equals
``parse(x)`` apart from ``line`` and ``source``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from reelwright.documents.script import (
    Action,
    Bio,
    Caption,
    Centered,
    Dialogue,
    DialoguePart,
    Element,
    Episode,
    Lyrics,
    Marker,
    Note,
    PageBreak,
    SceneHeading,
    ScriptDocument,
    Section,
    Synopsis,
    Transition,
    plain,
)
from reelwright.errors import ScriptSyntaxError
from reelwright.screenplay.common import english_time, episode_number_from_path

__all__ = ["parse_fountain", "write_fountain", "episode_number_from_path", "split_heading"]

_HEADING = re.compile(r"^(INT\.?/EXT|EXT\.?/INT|I/E|INT|EXT|EST)(?=[.\s]|$)\.?\s*(.*)$", re.IGNORECASE)
_FORCED_HEADING = re.compile(r"^\.(?=[^\W_])")
_SCENE_NUMBER = re.compile(r"\s*#([\w.\-]+)#\s*$")
_TIME_SEPARATOR = re.compile(r"(?:^|\s+)-+\s+|\s*--+\s*")
_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9 _'\-]*?)\s*:\s*(.*)$")
_INDENT = re.compile(r"^(?:\t| {3,})\s*\S")
_EXTENSIONS = re.compile(r"^(.*?)((?:\s*\([^()]*\))*)\s*$")
_EPISODE_VALUE = re.compile(r"^\s*(\d+)\s*(?:[:.\-–—]\s*(.*?))?\s*$")
_EPISODE_IN_TITLE = re.compile(r"\bEPISODE\s*#?\s*(\d+)\b\s*[:.\-–—]?\s*(.*?)\s*$", re.IGNORECASE)
_BIO_LINE = re.compile(r"^(?P<name>[^:()]+?)\s*(?:\(\s*(?P<age>\d+)\s*\))?\s*:\s*(?P<desc>.*)$")
_BREAKS = {"page_break", "section", "synopsis", "centered", "transition_forced", "lyrics"}  # end an action
_SETTING_PREFIX = {"INT": "INT.", "EXT": "EXT.", "EST": "EST.", "INT/EXT": "INT./EXT."}
_STRUCTURAL_KEYS = ("episode", "characters", "outline")


_SUBTITLE_NOTE = re.compile(r"^\s*(?:subtitle|字幕)\s*[:：]\s*(.*)$", re.I | re.S)


@dataclass
class _Line:
    """One source line after comments are cut out; ``notes`` is set when the line held only notes."""

    no: int
    text: str
    notes: list[str] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        return not self.notes and not self.text.strip()


# ---- reading -----------------------------------------------------------------------------------


def _note_text(inner: str) -> str:
    return "\n".join(part.strip() for part in inner.split("\n")).strip("\n")


def _preprocess(text: str, warnings: list[tuple[int, str]]) -> list[_Line]:
    """Normalise newlines, cut out boneyard and notes (with their line breaks); lines a cut empties are dropped.

    Read as Fountain apps read them, each with a warning: a boneyard left open runs to the end of the file; a
    note spanning a blank line is a note when ``]]`` closes it before the next ``[[``; a ``[[`` never closed is text.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    records: list[_Line] = []
    buf: list[str] = []
    start, touched, notes = 1, False, []
    i, line, n = 0, 1, len(text)
    while i <= n:
        if i == n or text[i] == "\n":
            s = "".join(buf)
            if not touched:
                records.append(_Line(start, s))
            elif s.strip():
                records.append(_Line(start, s.rstrip()))
            elif notes:
                records.append(_Line(start, "", notes))
            buf, touched, notes = [], False, []
            i, line = i + 1, line + 1
            start = line
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                warnings.append((line, "boneyard '/*' is never closed with '*/': the rest of the file is left out"))
                end = n
            span = text[i:end + 2]
        elif text.startswith("[[", i):
            end = text.find("]]", i + 2)
            reopened = text.find("[[", i + 2)
            if end < 0 or 0 <= reopened < end:
                warnings.append((line, "note '[[' is never closed with ']]': read as text"))
                buf.append("[[")
                i += 2
                continue
            span = text[i:end + 2]
            if any(not s.strip() and not s.startswith("  ") for s in span.split("\n")[1:-1]):
                warnings.append((line, "note '[[ ]]' spans a blank line: read as one note (Fountain asks for two "
                                       "spaces on a blank line inside a note)"))
            notes.append(_note_text(span[2:-2]))
        else:
            buf.append(text[i])
            i += 1
            continue
        touched = True
        line += span.count("\n")
        i += len(span)
        if buf and buf[-1] == " " and i < n and text[i] == " ":
            i += 1  # "a [[x]] b" -> "a b"
    return records


def _parse_cue(st: str) -> tuple[str, list[str], bool, bool] | None:
    """``(name, extensions, dual, forced)`` when ``st`` reads as a character cue."""
    dual = st.endswith("^")
    s = st[:-1].rstrip() if dual else st
    forced = s.startswith("@")
    if forced:
        s = s[1:].strip()
    m = _EXTENSIONS.match(s)
    name = m.group(1).strip()
    exts = [e.strip() for e in re.findall(r"\(([^()]*)\)", m.group(2))]
    if not name:
        return None
    if not forced and (name != name.upper() or name == name.lower() or name.endswith(":")):
        return None
    return name, exts, dual, forced


def _start_kind(s: str, next_blank: bool) -> str:
    """What a line starting a paragraph is, given whether the line after it is blank."""
    st = s.strip()
    if not st:
        return "blank"
    if re.fullmatch(r"={3,}", st):
        return "page_break"
    if st.startswith("#"):
        return "section"
    if st.startswith("="):
        return "synopsis"
    if st.startswith(">"):
        return "centered" if len(st) > 1 and st.endswith("<") else "transition_forced"
    if st.startswith("~"):
        return "lyrics"
    if s.startswith("!"):
        return "action_forced"
    if st.startswith("@"):
        return "cue" if not next_blank and _parse_cue(st) else "action"
    if _FORCED_HEADING.match(st):
        return "heading_forced"
    m = _HEADING.match(st)
    if m and (next_blank or m.group(1).isupper()):
        return "heading"
    if next_blank:
        return "transition" if st.endswith("TO:") and st == st.upper() else "action"
    return "cue" if _parse_cue(st) else "action"


def split_heading(raw: str) -> dict:
    """Heading text -> text, setting, location, time, number (``--`` counts as `` - ``)."""
    m = _SCENE_NUMBER.search(raw)
    number = m.group(1) if m else None
    body = (raw[:m.start()] if m else raw).strip()
    setting, rest = "", body
    hm = _HEADING.match(body)
    if hm:
        prefix = hm.group(1).upper().replace(".", "")
        setting = prefix if prefix in ("INT", "EXT", "EST") else "INT/EXT"
        rest = hm.group(2)
    seps = list(_TIME_SEPARATOR.finditer(rest))
    if seps:
        location, time = rest[:seps[-1].start()].strip(), rest[seps[-1].end():].strip()
    else:
        location, time = rest.strip(), ""
    return {"text": body, "setting": setting, "location": location, "time": time, "number": number}


def _episode_from_title(title: str | None) -> tuple[int | None, str | None]:
    for line in (title or "").split("\n"):
        m = _EPISODE_IN_TITLE.search(line)
        if m:
            return int(m.group(1)), plain(m.group(2)) or None
    return None, None


def _title_page(recs: list[_Line]) -> tuple[dict[str, str], int]:
    """The title page's keys and the index of the first body line (0 when there is no title page)."""
    end = 0
    while end < len(recs) and not recs[end].blank:
        end += 1
    lines = [r.text for r in recs[:end] if not r.notes]
    if not lines or not _KEY.match(lines[0]):
        return {}, 0
    entries: list[tuple[str, list[str]]] = []
    for s in lines:
        m = _KEY.match(s)
        if m:
            entries.append((m.group(1), [m.group(2).strip()] if m.group(2).strip() else []))
        elif _INDENT.match(s) and entries:
            entries[-1][1].append(s.strip())
        else:
            return {}, 0
    if len(entries) == 1 and not entries[0][1]:
        return {}, 0  # "FADE IN:" on its own is script, not a title page
    page: dict[str, str] = {}
    for key, values in entries:
        page[key] = "\n".join(filter(None, [page.get(key, ""), *values]))
    return page, end


def _parse_bios(value: str) -> list[Bio]:
    bios: list[Bio] = []
    for s in value.split("\n"):
        m = _BIO_LINE.match(s)
        if m:
            age = m.group("age")
            bios.append(Bio(name=m.group("name").strip(), age=int(age) if age else None,
                            description=m.group("desc").strip()))
        elif bios:
            bios[-1].description = "\n".join(filter(None, [bios[-1].description, s.strip()]))
    return bios


class _BodyParser:
    def __init__(self, recs: list[_Line], path: str | None) -> None:
        self.recs, self.path, self.els = recs, path, []
        self.indented_cues: list[int] = []  # lines of cues with tabs or spaces before them
        self.warnings: list[tuple[int, str]] = []

    def kind(self, i: int) -> str:
        """What line ``i`` starts; a line before an element that ends paragraphs counts as before a blank."""
        j = i + 1
        while j < len(self.recs) and self.recs[j].notes:
            j += 1
        after = "blank" if j >= len(self.recs) else _start_kind(self.recs[j].text, False)
        kind = _start_kind(self.recs[i].text, after == "blank" or after in _BREAKS - {"lyrics"})
        if after == "lyrics" and kind != "cue":  # a cue may take sung dialogue; anything else ends before it
            kind = _start_kind(self.recs[i].text, True)
        return kind

    def run(self, i: int) -> list[Element]:
        recs, els = self.recs, self.els
        while i < len(recs):
            r = recs[i]
            if r.notes:
                els.extend(Note(text=t, line=r.no) for t in r.notes)
                i += 1
                continue
            kind = self.kind(i)
            st = r.text.strip()
            if kind == "blank":
                i += 1
                continue
            if kind == "cue":
                i = self.dialogue(i)
                continue
            if kind in ("action", "action_forced"):
                i = self.action(i)
                continue
            if kind in ("centered", "lyrics"):
                j, lines = i, []
                while j < len(recs) and (recs[j].notes or _start_kind(recs[j].text, False) == kind):
                    if not recs[j].notes:
                        s = recs[j].text.strip()
                        lines.append(s[1:-1].strip() if kind == "centered" else s[1:].strip())
                    j += 1
                cls = Centered if kind == "centered" else Lyrics
                els.append(cls(text="\n".join(lines), line=r.no))
                i = j
                continue
            if kind == "page_break":
                els.append(PageBreak(line=r.no))
            elif kind == "section":
                hashes = len(st) - len(st.lstrip("#"))
                els.append(Section(level=hashes, text=st[hashes:].strip(), line=r.no))
            elif kind == "synopsis":
                els.append(Synopsis(text=st[1:].strip(), line=r.no))
            elif kind == "transition_forced":
                els.append(Transition(text=st[1:].strip(), forced=True, line=r.no))
            elif kind == "transition":
                els.append(Transition(text=st, line=r.no))
            elif kind == "heading_forced":
                els.append(SceneHeading(**split_heading(st[1:]), forced=True, line=r.no))
            else:  # heading
                els.append(SceneHeading(**split_heading(st), line=r.no))
            i += 1
        return els

    def action(self, i: int) -> int:
        recs, lines, j = self.recs, [], i
        while j < len(recs) and not recs[j].blank:
            s = recs[j].text
            if recs[j].notes:  # a note inside a paragraph is a comment: dropped
                j += 1
                continue
            if j > i and _start_kind(s, False) in _BREAKS:
                break
            lines.append((s[1:] if s.startswith("!") else s).rstrip())
            j += 1
        self.els.append(Action(text="\n".join(lines), forced=recs[i].text.startswith("!"), line=recs[i].no))
        return j

    def dialogue(self, i: int) -> int:
        recs = self.recs
        cue = recs[i]
        name, exts, dual, forced = _parse_cue(cue.text.strip())
        if cue.text[:1] in ("\t", " "):
            self.indented_cues.append(cue.no)
        if dual and not (self.els and isinstance(self.els[-1], Dialogue)):
            self.warnings.append((cue.no, f"dual dialogue cue '{cue.text.strip()}' has no dialogue right before it: "
                                          "read as a cue of its own (as Fountain apps do)"))
            dual = False
        parts: list[list] = []  # [kind, lines]
        subtitle: str | None = None
        j = i + 1
        while j < len(recs):
            r = recs[j]
            j += 1
            if r.notes:
                for note in r.notes:
                    if m := _SUBTITLE_NOTE.match(note):
                        if not m.group(1).strip():
                            raise ScriptSyntaxError("empty subtitle note: expected [[subtitle: the line in standard "
                                                    "written language]]", path=self.path, line=r.no)
                        subtitle = " ".join(m.group(1).split())
                continue
            st = r.text.strip()
            if not st:
                if len(r.text) >= 2 and not r.text.strip(" "):
                    st = ""  # two spaces: a blank line inside the dialogue
                else:
                    j -= 1
                    break
            if st.startswith("(") and st.endswith(")"):
                parts.append(["parenthetical", [st[1:-1].strip()]])
            elif st.startswith("~"):
                parts.append(["lyric", [st[1:].strip()]])
            elif parts and parts[-1][0] == "text":
                parts[-1][1].append(st)
            else:
                parts.append(["text", [st]])
        out = []
        for kind, lines in parts:
            text = "\n".join(lines).strip("\n") if kind == "text" else lines[0]
            if kind != "text" or text:
                out.append(DialoguePart(kind=kind, text=text))
        emotion = out[0].text if out and out[0].kind == "parenthetical" else None
        self.els.append(Dialogue(character=name, extensions=exts, parts=out, emotion=emotion, dual=dual,
                                 forced=forced, line=cue.no, subtitle=subtitle))
        return j


def parse_fountain(text: str, path: str | Path | None = None) -> ScriptDocument:
    """Parse Fountain text into a one-episode :class:`ScriptDocument`; errors name file and line."""
    where = str(path) if path is not None else None
    warnings: list[tuple[int, str]] = []
    recs = _preprocess(text, warnings)
    page, start = _title_page(recs)
    structural = {k.lower(): k for k in page if k.lower() in _STRUCTURAL_KEYS}
    title_value = next((v for k, v in page.items() if k.lower() == "title"), None)
    number, ep_title = None, None
    if "episode" in structural and (m := _EPISODE_VALUE.match(page[structural["episode"]])):
        number, ep_title = int(m.group(1)), plain(m.group(2) or "") or None
    else:
        structural.pop("episode", None)
        number, ep_title = _episode_from_title(title_value)
    if number is None:
        number = episode_number_from_path(path) or 1
    bios = _parse_bios(page[structural["characters"]]) if "characters" in structural else []
    outline = (page[structural["outline"]] or None) if "outline" in structural else None
    for key in structural.values():
        page.pop(key)
    title = next((plain(s) for s in (title_value or "").split("\n") if plain(s)), None)
    body = _BodyParser(recs, where)
    elements = body.run(start)
    warnings += body.warnings
    if body.indented_cues:
        count = len(body.indented_cues)
        warnings.append((body.indented_cues[0], f"{count} character cue{'s' * (count > 1)} indented with tabs or "
                                                "spaces (from here on): read as cues, as Fountain apps do"))
    episode = Episode(number=number, title=ep_title, line=elements[0].line if elements else 1, elements=elements)
    doc = ScriptDocument(format="fountain", source=where, title=title, title_page=page, outline=outline,
                         bios=bios, episodes=[episode])
    for no, message in warnings:
        doc.warn(no, message)
    return doc


# ---- writing -----------------------------------------------------------------------------------


def _english_time(time: str) -> str:
    return english_time(time)


def _write_heading(h: SceneHeading) -> str:
    number = f" #{h.number}#" if h.number and re.fullmatch(r"[\w.\-]+", h.number) else ""
    if h.forced:
        return f".{h.text}{number}"
    line = h.text + number
    fields = split_heading(line)
    if _start_kind(line, True) == "heading" and all(fields[k] == getattr(h, k) for k in fields if k != "text"):
        return line
    time = _english_time(h.time)
    tail = f" - {time}" if time else ""
    if h.setting:
        return f"{_SETTING_PREFIX[h.setting]} {h.location}{tail}{number}"
    return f".{h.location or h.text}{tail}{number}"


def _write_action(text: str, forced: bool) -> list[str]:
    lines = text.split("\n")
    first = lines[0]
    if forced or _start_kind(first, len(lines) == 1) != "action":
        first = "!" + first
    rest = ["!" + s if not s.strip() or s.startswith("!") or _start_kind(s, False) in _BREAKS else s
            for s in lines[1:]]
    return [first, *rest]


def _write_dialogue(d: Dialogue, after_dialogue: bool) -> list[str]:
    cue = d.character + "".join(f" ({e})" for e in d.extensions) + (" ^" if d.dual and after_dialogue else "")
    if d.forced or _start_kind(cue, False) != "cue" or _parse_cue(cue)[:2] != (d.character, d.extensions):
        cue = "@" + cue
    lines = [cue]
    parts = list(d.parts)
    if d.emotion and not (parts and parts[0].kind == "parenthetical" and parts[0].text == d.emotion):
        parts.insert(0, DialoguePart(kind="parenthetical", text=d.emotion))
    for p in parts:
        if p.kind == "parenthetical":
            lines.append(f"({' '.join(p.text.split())})")
        elif p.kind == "lyric":
            lines.extend(f"~{s}" for s in p.text.split("\n"))
        else:
            lines.extend(s.strip() or "  " for s in p.text.split("\n"))
    if d.subtitle:
        lines.append(f"[[subtitle: {' '.join(d.subtitle.split())}]]")
    return lines


def _write_element(el: Element, prev: Element | None) -> list[str]:
    if isinstance(el, SceneHeading):
        return [_write_heading(el)]
    if isinstance(el, Action):
        return _write_action(el.text, el.forced)
    if isinstance(el, Dialogue):
        return _write_dialogue(el, isinstance(prev, Dialogue))
    if isinstance(el, Transition):
        plain_form = el.text.strip()
        return [plain_form if not el.forced and _start_kind(plain_form, True) == "transition" else f"> {el.text}"]
    if isinstance(el, Centered):
        return [f"> {s} <" for s in el.text.split("\n")]
    if isinstance(el, Lyrics):
        return [f"~{s}" for s in el.text.split("\n")]
    if isinstance(el, PageBreak):
        return ["==="]
    if isinstance(el, Section):
        return ["#" * max(el.level, 1) + " " + el.text]
    if isinstance(el, Synopsis):
        return [f"= {el.text}"]
    if isinstance(el, Note):
        return ["[[" + "\n".join(s or "  " for s in el.text.split("\n")) + "]]"]
    if isinstance(el, Caption):
        return _write_action(f"SUPER: {el.text}", False)
    if isinstance(el, Marker):
        return _write_action("BEGIN FLASHBACK:" if el.kind == "flashback_start" else "END FLASHBACK.", False)
    raise TypeError(f"cannot write {type(el).__name__} as Fountain")


def _write_title_page(doc: ScriptDocument) -> list[str]:
    items = list(doc.title_page.items())
    keys = {k.lower() for k, _ in items}
    if doc.title and "title" not in keys:
        items.insert(0, ("Title", doc.title))
    title_value = next((v for k, v in items if k.lower() == "title"), None)
    at = next((n + 1 for n, (k, _) in enumerate(items) if k.lower() == "title"), 0)
    if doc.episodes and "episode" not in keys:
        ep = doc.episodes[0]
        if _episode_from_title(title_value) != (ep.number, ep.title):
            items.insert(at, ("Episode", f"{ep.number}" + (f" - {ep.title}" if ep.title else "")))
    if doc.outline and "outline" not in keys:
        items.append(("Outline", doc.outline))
    if doc.bios and "characters" not in keys:
        lines = [f"{b.name}{f' ({b.age})' if b.age is not None else ''}: {b.description}" for b in doc.bios]
        items.append(("Characters", "\n".join(lines)))
    out = []
    for key, value in items:
        lines = [s.strip() for s in value.split("\n") if s.strip()]
        if len(lines) == 1:
            out.append(f"{key}: {lines[0]}")
        else:
            out.append(f"{key}:")
            out.extend(f"\t{s}" for s in lines)
    return out


def _episode_label(doc: ScriptDocument, ep: Episode) -> str:
    if doc.format == "zh":
        return f"第{ep.number}集" + (f"：{ep.title}" if ep.title else "")
    return f"Episode {ep.number}" + (f": {ep.title}" if ep.title else "")


def write_fountain(doc: ScriptDocument) -> str:
    """Write Fountain text; several episodes are written one after another, each under a ``#`` section."""
    blocks: list[list[str]] = []
    many = len(doc.episodes) > 1
    for k, ep in enumerate(doc.episodes):
        if many:
            if k:
                blocks.append(["==="])
            blocks.append([f"# {_episode_label(doc, ep)}"])
        prev = None
        for el in ep.elements:
            blocks.append(_write_element(el, prev))
            prev = el
    body = "\n\n".join("\n".join(b) for b in blocks)
    page = _write_title_page(doc)
    if page:
        text = "\n".join(page) + ("\n\n" + body if body else "")
    else:
        text = ("\n" if _KEY.match(body.split("\n", 1)[0]) else "") + body
    return text.rstrip("\n") + "\n" if text.strip() else ""

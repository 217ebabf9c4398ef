"""The script document: what every script parser produces (Fountain, Chinese and English short-drama layouts,
Word and Final Draft files).

A script file parses to one :class:`ScriptDocument` holding one or more
:class:`Episode` objects. Each episode is a flat list of elements (scene
headings, action, dialogue, …) in reading order, each carrying the source line
it came from. Emphasis markup (``*italic*``, ``**bold**``, ``_underline_``) is
kept in element text so the Fountain writer round-trips; use :func:`plain` for
text meant for voices and subtitles.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal, Union

from pydantic import Field

from reelwright.documents.base import Document, Model

__all__ = [
    "ScriptDocument",
    "Episode",
    "Element",
    "SceneHeading",
    "Action",
    "Dialogue",
    "DialoguePart",
    "Transition",
    "Centered",
    "Lyrics",
    "PageBreak",
    "Section",
    "Synopsis",
    "Note",
    "Caption",
    "Marker",
    "Bio",
    "ScriptWarning",
    "plain",
]


class _Element(Model):
    line: int = Field(0, description="1-based line in the source file where the element starts")


class SceneHeading(_Element):
    type: Literal["scene"] = "scene"
    text: str = Field(description="the heading as written, e.g. 'INT. KITCHEN - NIGHT' or '1-1 日 内 客厅'")
    setting: Literal["INT", "EXT", "INT/EXT", "EST", ""] = ""
    location: str = ""
    time: str = Field("", description="time of day as written: DAY, NIGHT, 日, 夜 …")
    number: str | None = Field(None, description="scene number: Fountain '#1A#' or the Chinese '1-1'")
    forced: bool = Field(False, description="Fountain heading forced with a leading '.'")
    cast: list[str] = Field(default_factory=list, description="characters listed for the scene (人物：…)")


class Action(_Element):
    type: Literal["action"] = "action"
    text: str
    forced: bool = Field(False, description="Fountain action forced with '!'")


class DialoguePart(Model):
    kind: Literal["parenthetical", "text", "lyric"] = "text"
    text: str


class Dialogue(_Element):
    type: Literal["dialogue"] = "dialogue"
    character: str = Field(description="the speaker's name, without extensions")
    extensions: list[str] = Field(default_factory=list, description="cue extensions: V.O., O.S., CONT'D, OS, VO …")
    parts: list[DialoguePart] = Field(description="parentheticals and spoken lines in order")
    emotion: str | None = Field(None, description="emotion named for the line (Chinese （情绪） or a parenthetical)")
    dual: bool = Field(False, description="second half of a dual-dialogue pair (Fountain '^')")
    forced: bool = Field(False, description="Fountain cue forced with '@'")
    subtitle: str | None = Field(None, description="the line in standard written language, for subtitles and "
                                 "translation, when the words are spoken in dialect (Chinese 【字幕：…】 after the "
                                 "line, Fountain [[subtitle: …]]); empty: the spoken words")

    @property
    def text(self) -> str:
        """The spoken words, parentheticals left out, lines joined by newlines."""
        return "\n".join(p.text for p in self.parts if p.kind != "parenthetical")

    @property
    def written(self) -> str:
        """What the subtitles show and translation starts from: the standard text, else the spoken words."""
        return self.subtitle if self.subtitle else self.text

    @property
    def parentheticals(self) -> list[str]:
        return [p.text for p in self.parts if p.kind == "parenthetical"]


class Transition(_Element):
    type: Literal["transition"] = "transition"
    text: str
    forced: bool = False


class Centered(_Element):
    type: Literal["centered"] = "centered"
    text: str


class Lyrics(_Element):
    type: Literal["lyrics"] = "lyrics"
    text: str


class PageBreak(_Element):
    type: Literal["page_break"] = "page_break"


class Section(_Element):
    type: Literal["section"] = "section"
    level: int = 1
    text: str


class Synopsis(_Element):
    type: Literal["synopsis"] = "synopsis"
    text: str


class Note(_Element):
    type: Literal["note"] = "note"
    text: str


class Caption(_Element):
    """On-screen text (Chinese 【字幕：…】, English ``[TITLE CARD: …]``); shown, never spoken."""

    type: Literal["caption"] = "caption"
    text: str
    label: str | None = Field(None, description="the caption's kind as written, e.g. 'TITLE CARD' or 'CAPTION'")


class Marker(_Element):
    """A structural marker without text of its own, e.g. a flashback's start and end."""

    type: Literal["marker"] = "marker"
    kind: Literal["flashback_start", "flashback_end"]


Element = Annotated[
    Union[
        SceneHeading, Action, Dialogue, Transition, Centered, Lyrics, PageBreak, Section, Synopsis, Note, Caption, Marker
    ],
    Field(discriminator="type"),
]


class Bio(Model):
    """A character biography from a Chinese script's 人物小传 (or a Fountain title page)."""

    name: str
    age: int | None = None
    description: str = ""
    line: int = 0


class ScriptWarning(Model):
    """Something read the way writing apps read it, but worth a look: shown as ``warning: file:line: message``."""

    line: int = 0
    message: str


class Episode(Model):
    number: int = 1
    title: str | None = None
    line: int = 0
    elements: list[Element] = Field(default_factory=list)

    def scenes(self) -> list[SceneHeading]:
        return [e for e in self.elements if isinstance(e, SceneHeading)]

    def dialogue(self) -> list[Dialogue]:
        return [e for e in self.elements if isinstance(e, Dialogue)]

    def characters(self) -> list[str]:
        """Speakers and listed cast, in order of first appearance."""
        seen: dict[str, None] = {}
        for e in self.elements:
            if isinstance(e, SceneHeading):
                for name in e.cast:
                    seen.setdefault(name, None)
            elif isinstance(e, Dialogue):
                seen.setdefault(e.character, None)
        return list(seen)


class ScriptDocument(Document):
    KIND: ClassVar[str] = "script"
    VERSION: ClassVar[int] = 1

    format: Literal["fountain", "zh", "en"] = Field(
        "fountain", description="the layout: fountain (also Final Draft), zh (Chinese), en (English short-drama)")
    source: str | None = Field(None, description="path of the file this was parsed from")
    title: str | None = None
    title_page: dict[str, str] = Field(default_factory=dict, description="Fountain title page keys, in order")
    outline: str | None = Field(None, description="大纲 of a Chinese script")
    bios: list[Bio] = Field(default_factory=list)
    aliases: dict[str, str] = Field(default_factory=dict, description=(
        "short names in cues linked to a full name from the bios or cast lines (WEI -> Li Wei); "
        "a build records them as aliases in bible.yaml, where a wrong link is corrected"))
    episodes: list[Episode] = Field(default_factory=list)
    warnings: list[ScriptWarning] = Field(default_factory=list, description="what was read leniently")

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(ScriptWarning(line=line, message=message))

    def warning_lines(self) -> list[str]:
        """``file:line: message`` for each warning."""
        return [f"{self.source or '<input>'}:{w.line}: {w.message}" for w in self.warnings]

    def stats(self) -> dict:
        """``{"scenes": N, "dialogue": N, "characters": [...]}`` over all episodes."""
        names: dict[str, None] = {}
        scenes = dialogue = 0
        for ep in self.episodes:
            scenes += len(ep.scenes())
            for d in ep.dialogue():
                dialogue += 1
                names.setdefault(d.character, None)
        return {"scenes": scenes, "dialogue": dialogue, "characters": list(names)}


_EMPHASIS = re.compile(r"(?<!\\)(\*{1,3}|_)(?=\S)(.+?)(?<=\S)(?<!\\)\1")  # escaped \* \_ are not markers


def plain(text: str) -> str:
    """Text without Fountain emphasis markup and escapes, whitespace folded to single spaces."""
    prev = None
    while prev != text:
        prev, text = text, _EMPHASIS.sub(r"\2", text)
    text = text.replace("\\*", "*").replace("\\_", "_")
    return re.sub(r"\s+", " ", text).strip()

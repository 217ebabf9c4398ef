"""The series glossary (``glossary.yaml``): how names and key phrases read in each language, and the dub cast.

Created from the bible by ``reelwright localise`` and filled in per target
language (names of the same script kept as they are, Chinese names as pinyin,
the rest by the text provider); every entry is yours to edit and edits win.
A term whose ``source`` is a whole line of dialogue or on-screen text works as a
fixed translation: that line is never sent to the model.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field

from reelwright.documents.base import Document, Model
from reelwright.documents.bible import Voice

__all__ = ["Glossary", "Term", "term_in"]

_HAN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def term_in(term: str, text: str) -> bool:
    """``term`` occurs in ``text``: as a substring for CJK terms, as whole words (any case) otherwise."""
    if not term:
        return False
    if _HAN.search(term):
        return term in text
    return re.search(rf"(?<![\w]){re.escape(term)}(?![\w])", text, re.I) is not None


class Term(Model):
    source: str = Field(description="the term as the scripts write it")
    language: str = Field(description="language of the source term (en, zh, …)")
    kind: Literal["character", "location", "prop", "title", "phrase"] = "phrase"
    required: bool = Field(True, description="a translation of a line containing the term must contain its "
                           "rendering (false: a hint to the translator only)")
    translations: dict[str, str] = Field(default_factory=dict, description="language → rendering; a missing "
                                         "language is filled in by the next 'reelwright localise'")
    note: str = Field("", description="for translators")


class Glossary(Document):
    KIND: ClassVar[str] = "glossary"
    VERSION: ClassVar[int] = 1

    terms: list[Term] = Field(default_factory=list)
    voices: dict[str, dict[str, Voice]] = Field(
        default_factory=dict, description="dub cast: language → character → voice (the same voice for a "
        "character in every episode of that language)")

    def term(self, source: str) -> Term | None:
        key = source.casefold()
        return next((t for t in self.terms if t.source.casefold() == key), None)

    def pairs(self, text: str, language: str, *, required_only: bool = False) -> list[tuple[str, str]]:
        """``(source, rendering)`` of the terms in ``text`` that have a rendering in ``language``."""
        out = []
        for t in self.terms:
            rendering = t.translations.get(language, "").strip()
            if rendering and (t.required or not required_only) and term_in(t.source, text):
                out.append((t.source, rendering))
        return out

    def fixed(self, text: str, language: str) -> str | None:
        """The glossary's translation of a whole line, when it has one."""
        t = self.term(text.strip())
        if t is not None and t.kind == "phrase":
            rendering = t.translations.get(language, "").strip()
            return rendering or None
        return None

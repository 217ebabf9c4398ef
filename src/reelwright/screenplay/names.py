"""Short names in cues (``WEI``) linked to the full names the bios and cast lines give (``Li Wei``).

A cue is linked when exactly one full name holds it as one of its words (``WEI`` -> ``Li Wei``); a cue two
full names share (``LI`` with ``Li Wei`` and ``Li Na``) is left alone with a warning. Cues equal to a full
name but for case need no link (the bible matches names without case). The links go to
``ScriptDocument.aliases``; a build adds them to the characters' ``aliases`` in ``bible.yaml``, where a wrong
link is corrected by moving the alias to the right character. Names in the bible alone are not matched:
``MEI`` beside a ``YOUNG MEI`` made from another cue may well be someone else.
"""

from __future__ import annotations

import re

from reelwright.documents.script import Dialogue, ScriptDocument

__all__ = ["link_cues", "full_name_matches"]


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s\-·・.]+", name.casefold()) if w]


def full_name_matches(name: str, full_names: list[str]) -> list[str]:
    """The full names (of two words or more) that hold every word of ``name``: ``WEI`` -> ``["Li Wei"]``."""
    words = _words(name)
    return [f for f in full_names if len(_words(f)) > 1 and words and name.casefold() != f.casefold()
            and all(w in _words(f) for w in words)]


def link_cues(doc: ScriptDocument) -> ScriptDocument:
    """Fill ``doc.aliases`` (written name -> full name) from the bios and the scenes' cast; returns ``doc``."""
    listed = [b.name for b in doc.bios] + [n for ep in doc.episodes for s in ep.scenes() for n in s.cast]
    full: dict[str, str] = {}  # casefolded -> as written
    for name in listed:
        if len(_words(name)) > 1:
            full.setdefault(name.casefold(), name)
    own = {name.casefold() for name in listed}  # a listed MEI is her own person, not Young Mei
    if not full:
        return doc
    first_use: dict[str, int] = {}
    for ep in doc.episodes:
        for el in ep.elements:
            names = [el.character] if isinstance(el, Dialogue) else getattr(el, "cast", [])
            for name in names:
                first_use.setdefault(name, el.line)
    for name, line in first_use.items():
        key = name.casefold()
        if key in own or name in doc.aliases:
            continue
        matches = full_name_matches(name, list(full.values()))
        if len(matches) == 1:
            doc.aliases[name] = matches[0]
        elif len(matches) > 1:
            doc.warn(line, f"{name!r} could be {' or '.join(repr(m) for m in matches)}: not linked to either "
                           "(add it to the right character's aliases in bible.yaml)")
    return doc

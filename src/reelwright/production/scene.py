"""One scene read the way a line producer reads it: who is in it (and in what), what is handled, what
the departments bring, where and when; and the script split into scenes with the clock cues around them.

Owners of a garment, an injury or a change of clothes are the last person named before it in the
sentence (or in the sentence before: "She falls…"). English words match whole words; Chinese substrings.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from reelwright.documents.bible import Bible
from reelwright.documents.breakdown import CastEntry, Extras, PropUse, SceneBreakdown, scene_id
from reelwright.documents.script import (Action, Caption, Centered, Dialogue, Episode, Marker, SceneHeading,
                                         Transition, plain)
from reelwright.production.vocabulary import COLOURS, Vocabulary, find_terms, number_word
from reelwright.project.folder import location_key

__all__ = ["ScenePart", "scene_parts", "eighths", "same_people", "read_scene", "Found"]

_SENTENCE = re.compile(r"(?<=[.!?。！？；;])\s*|\n+")
_REFERENCE_BEFORE = re.compile(r"\b(?:from|of|about|to|for|call|calls|text|texts)\s+$", re.I)
_REFERENCE_AFTER = re.compile(r"(?:'s|’s|发来|打来|的照片|的短信|的电话|的消息)")
_INTRO = re.compile(r"\b([A-Z][A-Z'\-]+(?:\s+[A-Z][A-Z'\-]+){0,2})\s*,\s*\d{1,3}\b")


@dataclass
class ScenePart:
    """One scene of an episode: its heading (None for a script without headings) and its elements."""

    heading: SceneHeading | None
    elements: list = field(default_factory=list)
    cues: list[str] = field(default_factory=list)  # heading, time and the captions/transitions around it
    bracketed: bool = False  # between flashback markers


def scene_parts(episode: Episode) -> list[ScenePart]:
    """The episode split at its scene headings, each with the clock cues around its heading."""
    parts: list[ScenePart] = []
    pending: list[str] = []  # captions and transitions since the last action or line
    inside = False
    current: ScenePart | None = None
    headed = any(isinstance(el, SceneHeading) for el in episode.elements)  # without headings: one scene
    for el in episode.elements:
        if isinstance(el, Marker):
            inside = el.kind == "flashback_start"
            continue
        if isinstance(el, SceneHeading):
            current = ScenePart(el, [], [el.text, el.time, *pending], inside)
            parts.append(current)
            pending = []
            continue
        if current is None:
            if headed or not isinstance(el, (Action, Dialogue)):  # before the first heading: notes, FADE IN:…
                if isinstance(el, (Caption, Centered, Transition)):
                    pending.append(plain(el.text))
                continue
            current = ScenePart(None, [], list(pending), inside)
            parts.append(current)
        current.elements.append(el)
        if isinstance(el, (Caption, Centered, Transition)):
            pending.append(plain(el.text))
            if len(current.elements) <= 2:
                current.cues.append(plain(el.text))
        elif isinstance(el, (Action, Dialogue)):
            pending = []
            if isinstance(el, Action) and len(current.elements) <= 2 and len(plain(el.text)) <= 40:
                current.cues.append(plain(el.text))
    return parts


def eighths(part: ScenePart) -> int:
    """The scene's length in eighths of a page (54 lines of a formatted page; 57-character action lines,
    35-character dialogue)."""
    lines = 2 if part.heading else 0
    for el in part.elements:
        if isinstance(el, Action):
            lines += sum(max(1, math.ceil(len(p) / 57)) for p in el.text.split("\n")) + 1
        elif isinstance(el, Dialogue):
            lines += 1 + sum(max(1, math.ceil(len(p.text) / (25 if p.kind == "parenthetical" else 35)))
                             for p in el.parts) + 1
        elif isinstance(el, (Transition, Centered, Caption)):
            lines += 2
    return max(1, round(lines / (54 / 8)))


# ---- people ---------------------------------------------------------------------------------------

def same_people(bible: Bible, lines: dict[str, int]) -> Bible:
    """A copy of the bible where script names for one person are one character: 'CYBER BOB' and 'BOB' (a
    name that is the last word of another) become one, under the name with more lines, the other an alias."""
    bible = bible.model_copy(deep=True)
    by_key = {c.name.casefold(): c for c in bible.characters}
    for c in sorted(bible.characters, key=lambda c: -len(c.name)):
        words = c.name.casefold().split()
        if not c.name.isascii() or len(words) < 2 or c.name.casefold() not in by_key:
            continue
        short = by_key.get(words[-1])
        if short is None or short is c:
            continue
        keep, drop = (c, short) if lines.get(c.name, 0) > lines.get(short.name, 0) else (short, c)
        keep.aliases = [*keep.aliases, drop.name, *drop.aliases]
        bible.characters = [x for x in bible.characters if x is not drop]
        by_key.pop(drop.name.casefold(), None)
    return bible


def _name_patterns(bible: Bible, vocab: Vocabulary) -> list[tuple[str, str]]:
    """``[(words, character name)]``: names, aliases and unambiguous Latin first names (not animals: a
    speaking DOG is an animal the action mentions)."""
    pairs: list[tuple[str, str]] = []
    firsts: dict[str, list[str]] = {}
    for c in bible.characters:
        if _is_animal(c.name, vocab):
            continue
        for n in [c.name, *c.aliases]:
            pairs.append((n, c.name))
        if c.name.isascii() and " " in c.name.strip():
            firsts.setdefault(c.name.split()[0].casefold(), []).append(c.name)
    for first, names in firsts.items():
        if len(names) == 1 and not any(p.casefold() == first for p, _ in pairs):
            pairs.append((first, names[0]))
    return pairs


def _mentions(text: str, patterns: list[tuple[str, str]]) -> list[tuple[int, str, int]]:
    """``[(start, character, end)]`` of the names in ``text``."""
    hits = []
    for words, name in patterns:
        pat = rf"(?<![\w]){re.escape(words)}(?![\w])" if words.isascii() else re.escape(words)
        for m in re.finditer(pat, text, re.I):
            hits.append((m.start(), name, m.end()))
    return sorted(hits)


def _is_animal(name: str, vocab: Vocabulary) -> bool:
    return bool(find_terms(name, vocab.animals))


# ---- one scene ------------------------------------------------------------------------------------

@dataclass
class Found:
    """What reading one scene found, before costumes are spread over story days."""

    scene: SceneBreakdown
    garments: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    changes: set[str] = field(default_factory=set)
    heals: set[str] = field(default_factory=set)


def _colour_before(text: str, start: int) -> str | None:
    before = text[max(0, start - 24):start]
    best = None
    for word, hex_ in COLOURS.items():
        pat = rf"\b{re.escape(word)}(?:[\s-]+\w+)?\s*$" if word.isascii() else rf"{re.escape(word)}色?的?\s*$"
        m = re.search(pat, before, re.I)
        if m and (best is None or len(word) > best[0]):
            best = (len(word), word, hex_)
    return best[1] if best else None


def read_scene(part: ScenePart, episode: int, index: int, source: str, bible: Bible, vocab: Vocabulary,
                bible_props: list[str], wardrobe: list[str], night_of) -> Found:
    h = part.heading
    patterns = _name_patterns(bible, vocab)
    speakers: dict[str, bool] = {}  # name → on screen (not only V.O.)
    animals: list[str] = []
    cast_order: list[str] = []
    crowd: list[str] = []
    for name in (h.cast if h else []):
        if any(name == term or (not term.isascii() and term in name) for term in vocab.extras):
            crowd.append(name)  # 人物：…、宾客 lists extras with the cast
            continue
        c = bible.character(name)
        cast_order.append(c.name if c else name)
    notes = []
    for el in part.elements:
        if isinstance(el, Dialogue):
            if _is_animal(el.character, vocab):
                animals.append(el.character.lower() if el.character.isascii() else el.character)
                continue
            c = bible.character(el.character)
            name = c.name if c else el.character
            voice_over = any(x.upper().replace(".", "") in ("VO", "V O") for x in el.extensions)
            speakers[name] = speakers.get(name, False) or not voice_over
    for name, on in speakers.items():
        if not on:
            notes.append(f"V.O.: {name}")
    action = [plain(el.text) for el in part.elements if isinstance(el, Action)]
    text = "\n".join(action)
    found = Found(SceneBreakdown(id=scene_id(episode, index), episode=episode, scene=index))
    mentioned: list[str] = []
    if not (h and h.cast):  # a 人物 list is the scene's cast; otherwise who the action shows
        for pos, name, end in _mentions(text, patterns):
            if not _REFERENCE_BEFORE.search(text[max(0, pos - 8):pos]) and \
                    not _REFERENCE_AFTER.match(text[end:end + 4]):
                mentioned.append(name)
    for m in _INTRO.finditer(text):  # Fountain: a new character's name in caps with an age
        intro = m.group(1).strip()
        if _is_animal(intro, vocab) or bible.character(intro):
            continue
        known = next((s for s in speakers if s.isascii() and s.casefold() in intro.casefold().split()), None)
        if known is None:
            name = intro.title() if len(intro) > 3 else intro
            mentioned.append(name)
            patterns.append((intro, name))
    for name in [*cast_order, *[s for s, on in speakers.items() if on], *mentioned]:
        if name not in cast_order:
            cast_order.append(name)
    sc = found.scene
    sc.cast = [CastEntry(name=n, speaking=n in speakers and speakers[n]) for n in cast_order]
    # elements, sentence by sentence (who owns a garment or an injury: the last person named before it)
    props: dict[str, bool] = {}
    counts: dict[str, int] = {}
    last_person = cast_order[0] if len(cast_order) == 1 else None
    for sentence in (s for s in _SENTENCE.split(text) if s and s.strip()):
        people = _mentions(sentence, patterns)

        def owner(pos: int) -> str | None:
            before = [n for p, n, _ in people if p <= pos]
            return before[-1] if before else (people[0][1] if people else last_person)

        handled = any(find_terms(sentence, vocab.handling))
        for pos, term in find_terms(sentence, [*vocab.props, *bible_props]):
            key = next((p for p in bible_props if p.casefold() == term.casefold()), term.lower() if
                       term.isascii() else term)
            props[key] = props.get(key, False) or handled or key in bible_props
            counts[key] = counts.get(key, 0) + 1
        for cat in ("set_dressing", "vehicles", "animals", "sfx", "stunts"):
            for _, term in find_terms(sentence, getattr(vocab, cat)):
                lst = getattr(sc, cat)
                if term not in lst:
                    lst.append(term)
        for pos, term in find_terms(sentence, vocab.makeup):
            if term not in sc.makeup:
                sc.makeup.append(term)
            who = owner(pos)
            entry = sc.member(who) if who else None
            if entry is not None and term in vocab.injuries and term not in entry.injuries:
                entry.injuries = [*entry.injuries, term]
        for pos, term in find_terms(sentence, vocab.heal):
            who = owner(pos)
            if who:
                found.heals.add(who)
        for pos, term in find_terms(sentence, vocab.change):
            who = owner(pos)
            if who:
                found.changes.add(who)
        for pos, term in find_terms(sentence, [*vocab.garments, *wardrobe]):
            who = owner(pos)
            if who and sc.member(who):
                colour = _colour_before(sentence, pos)
                label = f"{colour} {term}" if colour and term.isascii() else f"{colour}色{term}" if colour else term
                found.garments.setdefault(who, []).append((label, COLOURS.get(colour) if colour else None))
        for term, default in vocab.extras.items():
            for m in re.finditer(rf"(?<![\w-]){re.escape(term)}(?![\w-])" if term.isascii() else re.escape(term),
                                 sentence, re.I):
                before = sentence[max(0, m.start() - 16):m.start()]
                n = None
                if term.isascii():
                    nm = re.search(r"(\d+|a few|several|a couple of|dozens of|a dozen|\w+)\s+(?:\w+\s+)?$", before)
                    n = number_word(nm.group(1)) if nm else None
                else:
                    nm = re.search(r"([\d零一二两三四五六七八九十几]+)\s*[个名位群]?\s*$", before)
                    n = number_word(nm.group(1)) if nm else None
                if not any(e.description == term for e in sc.extras):
                    sc.extras.append(Extras(description=term, count=max(1, n if n and n > 1 else default)))
        if people:
            last_person = people[-1][1]
    sc.props = [PropUse(name=k, hero=v or counts[k] > 1) for k, v in props.items()]
    for name in crowd:
        if not any(e.description == name for e in sc.extras):
            sc.extras.insert(0, Extras(description=name, count=next((n for t, n in vocab.extras.items() if t in name),
                                                                     1)))
    for a in animals:
        if not any(a in x or x in a for x in sc.animals):
            sc.animals.append(a)
    # heading and paperwork
    if h is not None:
        sc.number = h.number
        sc.heading = h.text
        loc = location_key(h.location or h.text)
        sc.set = loc
        sc.location = loc
        sc.int_ext = h.setting if h.setting in ("INT", "EXT", "INT/EXT") else "EXT" if h.setting == "EST" else "INT"
        sc.time_of_day = _time_word(h.time) or "DAY"
        sc.night = night_of(h.time)
        sc.source = f"{source}:{h.line}" if h.line else source
    else:
        sc.set = sc.location = "(no scene heading)"
        sc.source = source
    first = next((plain(el.text) for el in part.elements if isinstance(el, Action) and plain(el.text)), "")
    if not first:
        first = next((f"{el.character}: {plain(el.text)}" for el in part.elements if isinstance(el, Dialogue)), "")
    sc.synopsis = first if len(first) <= 90 else first[:87].rstrip() + "…"
    sc.notes = "; ".join(notes)
    return found


_TIME_WORDS = {"日": "DAY", "白天": "DAY", "夜": "NIGHT", "晚": "EVENING", "晨": "MORNING", "早": "MORNING",
               "黄昏": "DUSK", "傍晚": "DUSK", "黎明": "DAWN", "深夜": "NIGHT", "凌晨": "NIGHT", "午夜": "NIGHT",
               "中午": "DAY", "下午": "DAY", "上午": "MORNING"}


def _time_word(time: str) -> str:
    t = (time or "").strip()
    if not t:
        return ""
    if t in _TIME_WORDS:
        return _TIME_WORDS[t]
    return re.sub(r"\s+", " ", t.upper())

"""Continuity: contradictions between the scripts, the bible and the season plan that code can detect.

Reported, never fixed silently: a speaker or listed cast member missing from
the bible, an unknown ALL-CAPS name in action (how Fountain introduces a
character), a character who appears after the episode in which they left the
story, and a relationship word that contradicts the bible ("my brother Leo"
when the bible says Leo is the speaker's husband).
"""

from __future__ import annotations

import re

from reelwright.documents.bible import Bible
from reelwright.documents.script import Action, Dialogue, Episode, plain
from reelwright.documents.season import Season
from reelwright.errors import Problem

__all__ = ["check_episode", "check_continuity"]

_CAPS = re.compile(r"\b[A-Z][A-Z'\-]{2,}(?:\s+[A-Z][A-Z'\-]{2,})?\b")
_NOT_NAMES = {"INT", "EXT", "EST", "CUT", "TO", "FADE", "IN", "OUT", "SUPER", "BEGIN", "END", "FLASHBACK", "CONT'D",
              "V.O", "O.S", "OS", "VO", "OK", "OKAY", "TV", "CEO", "DNA", "USA", "SMS", "GPS", "ICU", "ER", "BOOM",
              "CRASH", "BANG", "SLAP", "THUD", "NO", "NOW", "STOP", "WHAT", "DAY", "NIGHT", "THE", "AND", "I"}
_RELATION_WORDS = {
    "husband": "husband", "wife": "wife", "fiance": "fianc", "fiancé": "fianc", "fiancee": "fianc",
    "fiancée": "fianc", "brother": "brother", "sister": "sister", "mother": "mother", "mom": "mother",
    "father": "father", "dad": "father", "son": "son", "daughter": "daughter", "boss": "boss",
    "丈夫": "丈夫", "老公": "丈夫", "妻子": "妻子", "老婆": "妻子", "哥哥": "哥", "弟弟": "弟", "姐姐": "姐",
    "妹妹": "妹", "妈妈": "妈", "母亲": "妈", "爸爸": "爸", "父亲": "爸", "儿子": "儿子", "女儿": "女儿",
    "未婚夫": "未婚", "未婚妻": "未婚",
}
_SYNONYMS = {"fianc": ["fianc", "engaged", "betrothed"], "mother": ["mother", "mom", "stepmother"],
             "father": ["father", "dad", "stepfather"], "妈": ["妈", "母"], "爸": ["爸", "父"],
             "丈夫": ["丈夫", "老公", "夫"], "妻子": ["妻", "老婆"]}


def _relation_claims(text: str, names: list[str]) -> list[tuple[str, str]]:
    """``[(word, name)]`` for "my brother Leo" / "我的哥哥顾言" / "我哥哥顾言" in a line."""
    out = []
    words = "|".join(sorted(map(re.escape, _RELATION_WORDS), key=len, reverse=True))
    for name in names:
        first = name.split()[0]
        for n in {name, first}:
            pat = (rf"\bmy\s+({words})\s*,?\s+{re.escape(n)}\b" if n.isascii()
                   else rf"我的?({words}){re.escape(n)}")
            for m in re.finditer(pat, text, re.I):
                out.append((m.group(1).lower(), name))
    return out


def check_episode(episode: Episode, bible: Bible, season: Season | None = None, path: str | None = None
                  ) -> list[Problem]:
    problems: list[Problem] = []
    gone = season.exited_before(episode.number) if season else {}
    gone = {k.casefold(): v for k, v in gone.items()}
    known = [c.name for c in bible.characters]
    tokens = {c.name.casefold() for c in bible.characters}
    for c in bible.characters:
        tokens |= {a.casefold() for a in c.aliases} | {p.casefold() for p in c.name.split()}
    reported: set[tuple[str, str]] = set()

    def report(line: int, kind: str, name: str, message: str) -> None:
        if (kind, name.casefold()) not in reported:
            reported.add((kind, name.casefold()))
            problems.append(Problem(path, line or None, message))

    for el in episode.elements:
        cast = getattr(el, "cast", None) or []
        speakers = [el.character] if isinstance(el, Dialogue) else []
        for name in [*cast, *speakers]:
            c = bible.character(name)
            if c is None:
                report(el.line, "unknown", name, f"episode {episode.number}: unknown character {name!r} "
                       "(not in bible.yaml)")
                continue
            if c.name.casefold() in gone:
                report(el.line, "exit", c.name, f"episode {episode.number}: {c.name} appears, but left the story "
                       f"in episode {gone[c.name.casefold()]}")
        if isinstance(el, Action):
            text = plain(el.text)
            if text != text.upper():  # an all-caps line is a sound or a shout, not an introduction
                for m in _CAPS.finditer(text):
                    word = m.group(0)
                    if word.casefold() in tokens or all(w in _NOT_NAMES for w in word.replace("'", " ").split()):
                        continue
                    if any(w.casefold() in tokens for w in word.split()):
                        continue
                    report(el.line, "unknown", word, f"episode {episode.number}: unknown name {word!r} in action "
                           "(not in bible.yaml)")
            for c in bible.characters:
                if c.name.casefold() in gone and re.search(rf"\b{re.escape(c.name)}\b" if c.name.isascii()
                                                           else re.escape(c.name), text):
                    report(el.line, "exit", c.name, f"episode {episode.number}: {c.name} appears in action, but "
                           f"left the story in episode {gone[c.name.casefold()]}")
        if isinstance(el, Dialogue):
            speaker = bible.character(el.character)
            if speaker is None:
                continue
            for word, name in _relation_claims(plain(el.text), known):
                said = speaker.relationships.get(name)
                if not said:
                    continue
                key = _RELATION_WORDS.get(word, word)
                if not any(s in said.lower() for s in _SYNONYMS.get(key, [key])):
                    report(el.line, f"rel:{speaker.name}", name,
                           f"episode {episode.number}: {speaker.name} calls {name} their {word!r}, but the bible "
                           f"says {name} is their {said!r}")
    return problems


def check_continuity(episodes: dict[int, tuple[Episode, str | None]], bible: Bible, season: Season | None
                     ) -> list[Problem]:
    """Check each episode (``{number: (episode, path)}``) against the bible and the plan."""
    problems: list[Problem] = []
    for number in sorted(episodes):
        episode, path = episodes[number]
        problems += check_episode(episode, bible, season, path)
    return problems

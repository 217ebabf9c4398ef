"""The English short-drama layout (the English twin of the Chinese convention): parse and write back.

```
"The Debt"                                   (or 《The Debt》, or Title: The Debt)
Synopsis: A cook comes home to pay what he owes.
Characters:
Zhou Mei (34): owns the noodle shop.        (bios feed the bible, never dialogue)
Li Wei (36): her brother, back after ten years.

Episode 1: The Return                        (or EPISODE 1)
Scene 1-1: INT. NOODLE SHOP - NIGHT          (or 1-1 INT. NOODLE SHOP - NIGHT)
Characters: Li Wei, Zhou Mei
Rain hammers the windows. Mei wipes the counter.
WEI: (quietly) You came back.               MEI (V.O.): … / MEI (O.S.): …
LAO WANG: Ni zha ge hai bu lai ma? [subtitle: Why aren't you here yet?]   (dialect spoken, standard subtitled)
[TITLE CARD: Chengdu, 1983]                  [CAPTION: …]  [FLASHBACK] … [END FLASHBACK]
CUT TO:
```

Every line is one element; consecutive plain lines make one action paragraph. Cue names
(``WEI``) are linked to full names from the bios and cast lines by :func:`reelwright.screenplay.names.link_cues`.
Full-width colons, brackets and quotes (as Word writes them) read like their ASCII twins.
"""

from __future__ import annotations

import re
from pathlib import Path

from reelwright.documents.script import (
    Action, Bio, Caption, Centered, Dialogue, DialoguePart, Element, Episode, Lyrics, Marker, Note, SceneHeading,
    ScriptDocument, Transition,
)
from reelwright.screenplay.common import english_time, episode_number_from_path
from reelwright.screenplay.fountain import split_heading

__all__ = ["parse_english", "write_english", "episode_marker", "english_score"]

_COLON = r"[:：]"
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
EPISODE_LINE = re.compile(rf"^(?:episode|ep\.?)[ \t]*#?[ \t]*(\d+|{'|'.join(_NUMBER_WORDS)})\b[ \t]*"
                          r"(?:[:：.\-–—][ \t]*(.*?))?[ \t]*$", re.I)
_HEADING_WORD = r"(?:INT\.?/EXT|EXT\.?/INT|I/E|INT|EXT|EST)(?=[.\s]|$)"
SCENE_LINE = re.compile(
    rf"^(?:scene[ \t]*(?P<n1>\d+(?:[ \t]*[-–—.][ \t]*\d+)?)[ \t]*(?:[:：.\-–—][ \t]*)?(?P<r1>.*)"
    rf"|(?P<n2>\d+[ \t]*[-–—][ \t]*\d+)[ \t]*[:：.]?[ \t]*(?P<r2>{_HEADING_WORD}.*)"
    rf"|(?P<r3>{_HEADING_WORD}.*))$", re.I)
_CAST = re.compile(rf"^(?:characters|cast|in scene|present)[ \t]*{_COLON}[ \t]*(.+)$", re.I)
_TITLE = re.compile(r'^(?:"(.+)"|“(.+)”|《(.+)》|title[ \t]*[:：][ \t]*(.+))$', re.I)
_SYNOPSIS = re.compile(rf"^(?:synopsis|logline|summary|outline|premise|story)[ \t]*{_COLON}[ \t]*(.*)$", re.I)
_BIOS = re.compile(rf"^(?:characters|character bios|character biographies|bios|main characters|cast)"
                   rf"[ \t]*{_COLON}?[ \t]*$", re.I)
_BIO = re.compile(r"^(?P<name>[^\W\d_][\w.' \-]{0,40}?)[ \t]*(?:[(（](?P<paren>[^)）]*)[)）])?[ \t]*"
                  r"(?:[:：]|[ \t][–—-][ \t])[ \t]*(?P<desc>.*)$")
_AGED_BIO = re.compile(r"^[^\W\d_][\w.' \-]{0,40}?[ \t]*[(（][^)）]*\d[^)）]*[)）][ \t]*[:：—–-]")
_BULLET = re.compile(r"^(?:[-*•·][ \t]+|\d+[.)][ \t]+)")
_BRACKET = re.compile(r"^[\[【](.*)[\]】]$")
_LABEL = re.compile(r"^(?P<label>[^:：]{1,24}?)[ \t]*[:：][ \t]*(?P<text>.*)$")
_FLASHBACK_START = re.compile(r"^(?:(?:begin|start)[ \t]+)?flashback(?:[ \t]+(?:begins|starts))?"
                              r"(?:[ \t]*[:：.\-–—][ \t]*(?P<rest>.*))?$", re.I)
_FLASHBACK_END = re.compile(r"^(?:end(?:[ \t]+of)?[ \t]+flashback|flashback[ \t]+(?:ends|over|end)"
                            r"|back[ \t]+to[ \t]+(?:the[ \t]+)?present(?:[ \t]+day)?)[ \t]*[.!]?$", re.I)
_TRANSITION = re.compile(r"^(?:[A-Z][A-Z ]*(?:TO|TO BLACK)[:：]|FADE (?:IN|OUT)[:：.]|FADE TO BLACK[.:：]?"
                         r"|CUT TO BLACK[.:：]?|THE END\.?)$")
_CUE = re.compile(r"^(?P<name>[^\W\d_][\w.'’\- ]{0,30}?)[ \t]*(?P<ext>(?:[(（][^)）]*[)）][ \t]*)*)"
                  r"[:：][ \t]*(?P<rest>.*)$")
_LEAD_PAREN = re.compile(r"^[(（]([^)）]*)[)）][ \t]*(.*)$")
_QUOTED = re.compile(r'^(?:"(.*)"|“(.*)”)$')
_LINE_SUBTITLE = re.compile(r"^(.*?)[ \t]*[\[【][ \t]*(?:subtitle|字幕)[ \t]*[:：][ \t]*(.*?)[ \t]*[\]】]$", re.I)
_CJK = re.compile(r"[\u3400-\u9fff]")
_ASCII_CAPS = re.compile(r"[A-Z][A-Z0-9 .'\-]*")
_EXT_WORDS = re.compile(r"^(.*\S)[ \t]+(V\.?O\.?|O\.?S\.?|O\.?C\.?)$", re.I)

# "LABEL: text" lines that are not dialogue: label (casefolded) -> what the line is
_CAPTION_LABELS = {"title card", "caption", "super", "text", "on screen", "on-screen text", "on screen text",
                   "onscreen text", "subtitle", "chyron", "title", "card", "text on screen", "location card"}
_ACTION_LABELS = {"action", "description", "visual", "visuals", "scene description"}
_LINE_LABELS = {"sfx", "sound", "sound effect", "music", "insert", "montage", "intercut", "close-up", "close up",
                "angle", "pov", "series of shots", "cut to", "beat", "pause", "camera", "shot", "transition"}
_NOTE_LABELS = {"note", "notes", "writer's note", "writer’s note"}
_NOT_NAMES = {"meanwhile", "later", "suddenly", "then", "time", "location", "setting", "scene", "episode",
              "characters", "cast", "synopsis", "flashback", "end", "beat", "pause", "outline", "logline",
              "summary", "premise", "hook", "cliffhanger", "twist", "reversal", "ending", "opening", "act", "part",
              "moral", "theme", "genre", "tone", "story", "plot", "result", "meaning", "reason", "answer"}
_DEFAULT_LABEL = "CAPTION"
_TIMES = {"DAY", "NIGHT", "MORNING", "EVENING", "DUSK", "DAWN", "NOON", "AFTERNOON", "SUNSET", "SUNRISE",
          "LATE NIGHT", "MIDNIGHT", "CONTINUOUS", "LATER", "MOMENTS LATER", "SAME TIME"}  # "Noodle shop, night"


def episode_marker(s: str) -> tuple[int, str | None] | None:
    """``Episode 3: "The Debt"`` -> ``(3, "The Debt")``; ``EPISODE ONE`` -> ``(1, None)``; None for other lines."""
    m = EPISODE_LINE.match(s)
    if not m:
        return None
    n = m.group(1)
    title = (m.group(2) or "").strip()
    if q := _QUOTED.match(title):
        title = next(g for g in q.groups() if g is not None).strip()
    return (int(n) if n.isdigit() else _NUMBER_WORDS[n.lower()]), title or None


def english_score(text: str) -> int:
    """How many lines read as this layout's own: episode, numbered scene and cast lines, ``NAME: text`` in capitals."""
    score = 0
    for raw in text.split("\n"):
        s = _norm(raw)
        if not s:
            continue
        if EPISODE_LINE.match(s) or _CAST.match(s):
            score += 1
        elif (m := SCENE_LINE.match(s)) and (m.group("n1") or m.group("n2")):
            score += 1
        elif (m := _CUE.match(s)) and m.group("rest").strip() and _ASCII_CAPS.fullmatch(m.group("name").strip()):
            score += 1
    return score


def _norm(s: str) -> str:
    """A line with Word's spaces and markdown taken off: ``## …``, ``**…**`` around the line or its speaker."""
    s = s.replace("\u3000", " ").replace("\u00a0", " ").strip()
    if m := re.fullmatch(r"(\*\*|__)(.+)\1", s):
        s = m.group(2).strip()
    s = re.sub(r"^(\*\*|__)([^*_:：]{1,40}?)([:：]?)\1([:：]?)", r"\2\3\4", s)  # **WEI:** … / **WEI**: …
    return re.sub(r"^#{1,6}[ \t]+", "", s)


def _is_name(name: str, known: set[str]) -> bool:
    """Whether ``name`` (before a colon) reads as a speaker rather than a label or the start of a sentence.

    ALL-CAPS names (up to four words) and Chinese names always do; a name in other case only when the bios or
    a cast line name it, or it stands before a colon on two or more lines (``known``, casefolded).
    """
    words = name.split()
    key = name.casefold()
    if not words or key in _NOT_NAMES or key in _CAPTION_LABELS | _ACTION_LABELS | _LINE_LABELS | _NOTE_LABELS:
        return False
    if key in known or any(key in k.split() for k in known):
        return True
    if _CJK.search(name):
        return len(name.replace(" ", "")) <= 8
    if len(words) > 4:
        return False
    letters = [c for c in name if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)  # Title Case only when known (above)


def _scene(s: str, line: int) -> SceneHeading | None:
    m = SCENE_LINE.match(s)
    if not m:
        return None
    number = m.group("n1") or m.group("n2")
    rest = next(g for g in (m.group("r1"), m.group("r2"), m.group("r3")) if g is not None).strip()
    rest = re.sub(r"[ \t]+[–—][ \t]+", " - ", rest)  # Word turns " - " into " – "
    fields = split_heading(rest) if rest else {"setting": "", "location": "", "time": ""}
    if not fields["time"] and "," in fields["location"]:  # "Noodle shop, night"
        head, _, tail = fields["location"].rpartition(",")
        if tail.strip().upper() in _TIMES:
            fields["location"], fields["time"] = head.strip(), tail.strip()
    number = re.sub(r"[ \t]*[-–—.][ \t]*", "-", number) if number else None
    return SceneHeading(text=s, setting=fields["setting"], location=fields["location"], time=fields["time"],
                        number=number, line=line)


def _bio(s: str, line: int) -> Bio | None:
    m = _BIO.match(_BULLET.sub("", s))
    if not m:
        return None
    age, extra = None, []
    for part in re.split(r"[,，;；]+", m.group("paren") or ""):
        part = part.strip()
        if part and age is None and (a := re.fullmatch(r"(?:age[ \t]*)?(\d{1,3})(?:[ \t]*(?:y/?o|years? old))?",
                                                       part, re.I)):
            age = int(a.group(1))
        elif part:
            extra.append(part)
    desc = m.group("desc").strip()
    desc = ", ".join([*extra, desc]) if extra and desc else ", ".join(extra) or desc
    return Bio(name=m.group("name").strip(), age=age, description=desc, line=line)


def _cast_names(value: str) -> list[str]:
    return [n.strip() for n in re.split(r"[,，、;；&]|\band\b", value) if n.strip()]


class _Reader:
    def __init__(self, text: str, path: str | None) -> None:
        self.path = path
        self.lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.doc = ScriptDocument(format="en", source=path)
        self.known: set[str] = set()
        self.episode: Episode | None = None
        self.flashback: int | None = None
        self.pending_cast: list[str] = []
        self.paragraph: Action | None = None  # the action paragraph the next plain line continues

    # ---- before the first episode --------------------------------------------------------------
    def preamble(self) -> int:
        """Read title, synopsis and bios; the index of the first body line."""
        doc, lines = self.doc, self.lines
        has_episodes = any(EPISODE_LINE.match(_norm(s)) for s in lines)
        outline: list[str] = []
        state = "start"  # start | outline | bios
        i = 0
        while i < len(lines):
            s = _norm(lines[i])
            no = i + 1
            if not s:
                i += 1
                continue
            if EPISODE_LINE.match(s) or SCENE_LINE.match(s) or _BRACKET.match(s):
                break
            if not has_episodes and state != "bios" and (m := _CUE.match(s)) and m.group("rest").strip() \
                    and _is_name(m.group("name").strip(), set()) and m.group("name").upper() == m.group("name"):
                break  # dialogue: the body of a script without episode markers
            first = doc.title is None and state == "start" and not outline and not doc.bios
            if first and ((m := _TITLE.match(s)) or (m := re.match(r"^#[ \t]+(.+)$", lines[i].strip()))):
                doc.title = next(g for g in m.groups() if g).strip()  # "Title", 《Title》, Title: …, # Title
            elif m := _SYNOPSIS.match(s):
                state = "outline"
                outline.append(m.group(1).strip())
            elif _BIOS.match(s):
                state = "bios"
            elif m := _CAST.match(s):
                doc.bios += [Bio(name=name, line=no) for name in _cast_names(m.group(1))]
            elif (state == "bios" or _AGED_BIO.match(_BULLET.sub("", s))) and (bio := _bio(s, no)):
                doc.bios.append(bio)
                state = "bios"
            elif state == "bios" and doc.bios:
                doc.bios[-1].description = "\n".join(filter(None, [doc.bios[-1].description, s]))
            elif state == "outline" or has_episodes:
                state = "outline"
                outline.append(s)
            else:
                break  # a script without episode markers that starts with its body
            i += 1
        doc.outline = "\n".join(filter(None, outline)) or None
        self.known = {b.name.casefold() for b in doc.bios}
        self.known |= self.repeated_names(i)
        return i

    def repeated_names(self, start: int) -> set[str]:
        """Names in Title Case before a colon on two or more lines, or listed in a cast line: speakers."""
        seen: dict[str, int] = {}
        cast: set[str] = set()
        for s in self.lines[start:]:
            s = _norm(s)
            if m := _CAST.match(s):
                cast |= {n.casefold() for n in _cast_names(m.group(1))}
            elif (m := _CUE.match(s)) and m.group("rest").strip() and len(m.group("name").split()) <= 3 \
                    and all(w[:1].isupper() for w in m.group("name").split()):
                key = m.group("name").strip().casefold()
                seen[key] = seen.get(key, 0) + 1
        return cast | {k for k, n in seen.items() if n > 1}

    # ---- the body ------------------------------------------------------------------------------
    def cue(self, s: str) -> re.Match | None:
        m = _CUE.match(s)
        if not m or not m.group("rest").strip():
            return None
        name = m.group("name").strip()
        if not _is_name(name, self.known):
            return None
        return m

    def start_episode(self, number: int, title: str | None, line: int) -> None:
        self.close_episode()
        if other := next((e for e in self.doc.episodes if e.number == number), None):
            self.doc.warn(line, f"episode {number} is already defined at line {other.line}; its scenes are "
                                "added to that episode")
            self.episode = other
            return
        self.episode = Episode(number=number, title=title or None, line=line)
        self.doc.episodes.append(self.episode)

    def close_episode(self) -> None:
        if self.episode is not None and self.flashback is not None:
            self.doc.warn(self.flashback, f"flashback opened here is not closed before the end of episode "
                                          f"{self.episode.number}; it is closed there")
            self.episode.elements.append(Marker(kind="flashback_end", line=self.flashback))
        self.flashback = None
        self.paragraph = None

    def add(self, el: Element) -> None:
        if self.episode is None:
            self.start_episode(episode_number_from_path(self.path) or 1, None, el.line)
        if isinstance(el, SceneHeading) and self.pending_cast:
            el.cast, self.pending_cast = [*self.pending_cast, *el.cast], []
        self.episode.elements.append(el)
        self.paragraph = el if isinstance(el, Action) else None

    def scene(self) -> SceneHeading | None:
        if self.episode is None:
            return None
        return next((e for e in reversed(self.episode.elements) if isinstance(e, SceneHeading)), None)

    def body(self, i: int) -> None:
        for no in range(i + 1, len(self.lines) + 1):
            s = _norm(self.lines[no - 1])
            if not s:
                self.paragraph = None
                continue
            self.line(s, no)
        self.close_episode()

    def line(self, s: str, no: int) -> None:
        if marker := episode_marker(s):
            self.start_episode(*marker, no)
            return
        if heading := _scene(s, no):
            self.add(heading)
            return
        if m := _CAST.match(s):
            names = _cast_names(m.group(1))
            self.known |= {n.casefold() for n in names}
            scene = self.scene()
            if scene is None:
                self.pending_cast += names  # cast listed before the episode's first scene line: it goes there
            else:
                scene.cast = [*scene.cast, *names]
            return
        if m := _BRACKET.match(s):
            self.bracket(m.group(1).strip(), s, no)
            return
        if _FLASHBACK_END.match(s):
            self.flashback_end(no)
            return
        if m := _FLASHBACK_START.match(s):
            self.flashback_start(no)
            rest = (m.group("rest") or "").strip()
            if rest:
                self.line(rest, no)
            return
        if _TRANSITION.match(s):
            self.add(Transition(text=s, line=no))
            return
        if (m := _LABEL.match(s)) and self.label(m.group("label").strip(), m.group("text").strip(), s, no):
            return
        if m := self.cue(s):
            self.dialogue(m, s, no)
            return
        self.action(s, no)

    def label(self, label: str, text: str, s: str, no: int) -> bool:
        key = label.casefold()
        if key in _CAPTION_LABELS and text:
            self.add(Caption(text=text, label=label.upper(), line=no))
        elif key in _ACTION_LABELS and text:
            self.action(text, no)
        elif key in _NOTE_LABELS and text:
            self.add(Note(text=text, line=no))
        elif key in _LINE_LABELS:
            self.action(s, no, new=True)
        else:
            return False
        return True

    def bracket(self, inner: str, s: str, no: int) -> None:
        if re.fullmatch(r"(?:(?:begin|start)[ \t]+)?flashback(?:[ \t]+(?:begins|starts))?[:.]?", inner, re.I):
            self.flashback_start(no)
        elif _FLASHBACK_END.match(inner):
            self.flashback_end(no)
        elif (m := _LABEL.match(inner)) and (key := m.group("label").strip().casefold()) in _CAPTION_LABELS:
            if m.group("text").strip():
                self.add(Caption(text=m.group("text").strip(), label=m.group("label").strip().upper(), line=no))
            else:
                self.doc.warn(no, f"empty caption '{s}': skipped (expected [{m.group('label').strip()}: text])")
        elif _TRANSITION.match(inner):
            self.add(Transition(text=inner, line=no))
        elif m and key in _NOTE_LABELS:
            self.add(Note(text=m.group("text").strip(), line=no))
        else:
            self.action(s, no, new=True)  # a stage direction in brackets: [Phone buzzes.]

    def flashback_start(self, no: int) -> None:
        if self.flashback is not None:
            self.doc.warn(no, f"flashback starts again while the one from line {self.flashback} is open; "
                              "that one is closed here")
            self.add(Marker(kind="flashback_end", line=no))
        self.flashback = no
        self.add(Marker(kind="flashback_start", line=no))

    def flashback_end(self, no: int) -> None:
        if self.flashback is None:
            self.doc.warn(no, "end of a flashback that never started: ignored")
            return
        self.flashback = None
        self.add(Marker(kind="flashback_end", line=no))

    def dialogue(self, m: re.Match, s: str, no: int) -> None:
        name = m.group("name").strip()
        exts = [e.strip() for e in re.findall(r"[(（]([^)）]*)[)）]", m.group("ext"))]
        if em := _EXT_WORDS.match(name):
            name, exts = em.group(1).strip(), [em.group(2).upper(), *exts]
        rest = re.sub(r"^[*_]{1,3}([(（][^)）]*[)）])[*_]{1,3}", r"\1", m.group("rest").strip())  # *(quietly)*
        parts: list[DialoguePart] = []
        while pm := _LEAD_PAREN.match(rest):
            parts.append(DialoguePart(kind="parenthetical", text=pm.group(1).strip()))
            rest = pm.group(2).strip()
        subtitle = None
        if (sm := _LINE_SUBTITLE.match(rest)) and sm.group(1):  # dialect spoken, standard text subtitled
            rest, subtitle = sm.group(1), sm.group(2) or None
            if subtitle is None:
                self.doc.warn(no, f"empty [subtitle: ] after {name}'s line: the spoken words are the subtitle")
        if q := _QUOTED.match(rest):
            rest = next(g for g in q.groups() if g is not None).strip()
        if not rest:
            self.doc.warn(no, f"'{s}' has no spoken words after the parenthetical: read as action")
            self.action(s, no, new=True)
            return
        parts.append(DialoguePart(text=rest))
        emotion = parts[0].text if parts[0].kind == "parenthetical" else None
        self.add(Dialogue(character=name, extensions=exts, parts=parts, emotion=emotion, subtitle=subtitle,
                          line=no))

    def action(self, s: str, no: int, new: bool = False) -> None:
        if self.paragraph is not None and not new:
            self.paragraph.text += "\n" + s
            return
        self.add(Action(text=s, line=no))


def parse_english(text: str, path: str | Path | None = None) -> ScriptDocument:
    """Parse the English short-drama layout; one :class:`Episode` per ``Episode N`` marker.

    Nothing here is an error: what cannot be read as an element is an action line, and what was read
    leniently is in ``doc.warnings``. An ``Episode N`` marker with nothing under it is skipped with a warning.
    """
    where = str(path) if path is not None else None
    reader = _Reader(text, where)
    start = reader.preamble()
    reader.body(start)
    doc = reader.doc
    if reader.pending_cast and doc.episodes:
        doc.warn(doc.episodes[-1].line, f"cast line ({', '.join(reader.pending_cast)}) with no scene after it: "
                                        "ignored")
    return doc


# ---- writing -----------------------------------------------------------------------------------

_SETTING_PREFIX = {"INT": "INT.", "EXT": "EXT.", "EST": "EST.", "INT/EXT": "INT./EXT."}


def _scene_line(h: SceneHeading, episode: int, index: int) -> str:
    same = _scene(h.text, 0)
    if same and all(
            getattr(same, k) == getattr(h, k) for k in ("number", "time", "setting", "location")):
        return h.text
    number = h.number if h.number and re.fullmatch(r"\d+(?:-\d+)?", h.number) else f"{episode}-{index}"
    time = english_time(h.time) if h.time else ""
    place = " ".join(filter(None, [_SETTING_PREFIX.get(h.setting, ""), h.location or ("" if h.setting else h.text)]))
    return f"Scene {number}: {place}" + (f" - {time}" if time else "")


def _reads_as_action(line: str, known: set[str]) -> bool:
    probe = _Reader("", None)
    probe.known = known
    probe.episode = Episode()
    probe.line(line, 1)
    return len(probe.episode.elements) == 1 and isinstance(probe.episode.elements[0], Action) \
        and probe.episode.elements[0].text == line


def _action_lines(text: str, known: set[str]) -> list[str]:
    out = []
    for s in text.split("\n"):
        s = _norm(s)
        if s:
            out.append(s if _reads_as_action(s, known) else f"Action: {s}")
    return out


def _dialogue_line(d: Dialogue) -> str:
    head = d.character + "".join(f" ({e})" for e in d.extensions)
    parts = list(d.parts)
    pieces = []
    if d.emotion and not (parts and parts[0].kind == "parenthetical" and parts[0].text == d.emotion):
        pieces.append(f"({d.emotion})")
    for p in parts:
        pieces.append(f"({' '.join(p.text.split())})" if p.kind == "parenthetical" else " ".join(p.text.split()))
    if d.subtitle:
        pieces.append(f"[subtitle: {' '.join(d.subtitle.split())}]")
    return f"{head}: " + " ".join(p for p in pieces if p)


def _element_lines(el: Element, known: set[str]) -> list[str]:
    if isinstance(el, Dialogue):
        return [_dialogue_line(el)]
    if isinstance(el, (Action, Centered, Lyrics)):
        return _action_lines(el.text, known)
    if isinstance(el, Transition):
        return [el.text.strip()] if _TRANSITION.match(el.text.strip()) else _action_lines(el.text, known)
    if isinstance(el, Caption):
        return [f"[{el.label or _DEFAULT_LABEL}: {' '.join(el.text.split())}]"]
    if isinstance(el, Marker):
        return ["[FLASHBACK]" if el.kind == "flashback_start" else "[END FLASHBACK]"]
    if isinstance(el, Note):
        return [f"[Note: {' '.join(el.text.split())}]"]
    return []  # page breaks, sections and synopses have no place in this layout


def write_english(doc: ScriptDocument) -> str:
    """Write the English short-drama layout; ``parse_english(write_english(d))`` reads back what ``d`` holds."""
    out: list[str] = []
    if doc.title:
        out += [f'"{doc.title}"', ""]
    if doc.outline:
        first, *rest = [s.strip() for s in doc.outline.split("\n") if s.strip()] or [""]
        out += [f"Synopsis: {first}", *rest, ""]
    if doc.bios:
        out.append("Characters:")
        for b in doc.bios:
            age = f" ({b.age})" if b.age is not None else ""
            first, *rest = [s.strip() for s in b.description.split("\n") if s.strip()] or [""]
            out += [f"{b.name}{age}: {first}".rstrip(), *rest]
        out.append("")
    known = {b.name.casefold() for b in doc.bios}
    for ep in doc.episodes:
        out += [f"Episode {ep.number}" + (f": {ep.title}" if ep.title else ""), ""]
        scenes = 0
        for el in ep.elements:
            if isinstance(el, SceneHeading):
                scenes += 1
                if out[-1]:
                    out.append("")
                out.append(_scene_line(el, ep.number, scenes))
                if el.cast:
                    known |= {n.casefold() for n in el.cast}
                    out.append("Characters: " + ", ".join(el.cast))
                continue
            lines = _element_lines(el, known)
            if isinstance(el, (Action, Centered, Lyrics)) or (lines and lines[0].startswith("Action: ")):
                if out[-1]:
                    out.append("")
                out += lines + [""]
            else:
                out += lines
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"

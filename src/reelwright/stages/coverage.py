"""Coverage: the shots each scene gets, element by element (the per-scene rules of the board).

Reads the script the way a director marks it up — who is in the scene, who speaks to whom, which
lines turn the story, which props an action names — and lays down the shots: the establishing
wide, action shots and inserts, singles, over-the-shoulders and listener shots for the lines,
reactions. :mod:`reelwright.stages.board` then applies the episode-wide rules.
"""

from __future__ import annotations

import re
from collections import Counter

from reelwright.documents.bible import Bible
from reelwright.documents.script import (
    Action,
    Caption,
    Centered,
    Dialogue,
    Episode,
    SceneHeading,
    plain,
)
from reelwright.documents.storyboard import Angle, Move, Shot, ShotSize
from reelwright.project.cache import make_key
from reelwright.project.folder import location_key
from reelwright.project.settings import BoardSection
from reelwright.stages.timing import speech_seconds

__all__ = ["Coverage", "expression_for", "is_strong", "is_turn", "find_props", "script_hash",
           "with_update", "STRONG", "COMMON_PROPS", "REVERSAL", "REVEAL_LINE"]


_EXPRESSION_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("afraid", re.compile(r"afraid|fear|scared|terrif|nervous|stutter|trembl|panic|anxious|shak|"
                          r"害怕|恐惧|紧张|颤抖|发抖|惊恐|慌", re.I)),
    ("angry", re.compile(r"angr|furious|rage|shout|yell|snap|hiss|glar|affront|slam|"
                         r"怒|生气|吼|咬牙|质问|厉声", re.I)),
    ("sad", re.compile(r"sad|cry|cries|crying|tear|sob|grie|hurt|broken|choke|"
                       r"哭|难过|伤心|哽咽|落泪|心痛|委屈|失落", re.I)),
    ("cold", re.compile(r"cold|smug|sneer|smirk|icy|contempt|mock|sarcas|dismiss|"
                        r"冷|不屑|轻蔑|嘲|讥|傲", re.I)),
    ("surprised", re.compile(r"surpris|shock|gasp|stun|amaz|awe|confus|befuddl|"
                             r"惊|震惊|愣|呆|难以置信|不敢相信", re.I)),
    ("happy", re.compile(r"happ|smil|laugh|grin|cheer|glad|joy|delight|warm|"
                         r"笑|开心|高兴|欣喜|得意|温柔", re.I)),
]
REVERSAL = re.compile(r"\?!|!\?|！？|？！|\b(?:what|no|never|impossible)\b[!?]|不可能|什么[！!]|原来|竟然", re.I)
# words that make a line or an action a reveal: a turn of the story
REVEAL_LINE = re.compile(r"\b(?:lied|the truth|alive|dead|isn't (?:my|your|his|her)|not (?:my|your) (?:son|"
                         r"daughter|father|mother|husband|wife)|pregnant|bought|secret)\b|"
                         r"真相|骗|活着|死了|不是.{0,4}(?:儿子|女儿|父亲|母亲|丈夫|妻子)|其实|原来|竟然|"
                         r"没有失踪", re.I)
_REVEAL_ACTION = re.compile(r"\b(?:reveal\w*|turns out|realis\w*|realiz\w*|discover\w*|recogni\w*|"
                            r"alive|dead)\b|\binside:|原来|竟然|发现|认出|居然|竟是|是.{1,6}发来的", re.I)
STRONG = {"angry", "surprised", "afraid", "sad", "cold"}
_VO = {"V.O.", "VO", "O.S.", "OS", "O.C.", "OC", "画外音", "旁白"}

COMMON_PROPS = ("phone", "cellphone", "smartphone", "contract", "agreement", "letter", "photo", "photograph",
                "ring", "folder", "document", "documents", "report", "deed", "certificate", "diary", "papers",
                "手机", "合同", "协议", "照片", "相片", "合影", "戒指", "钻戒", "文件", "报告", "遗嘱", "支票", "日记",
                "纸条")
_STOP = {"a", "an", "the", "his", "her", "their", "my", "your", "our", "its", "this", "that", "on", "at", "of",
         "to", "with", "and", "in", "into", "open", "from", "by", "for", "up"}


# ---- reading the script -------------------------------------------------------------------------

def expression_for(*texts: str | None) -> str:
    """The comic expression that best fits an emotion word, a parenthetical or the line itself."""
    for text in texts:
        if not text:
            continue
        for name, pattern in _EXPRESSION_WORDS:
            if pattern.search(text):
                return name
    for text in texts:
        if text and REVERSAL.search(text):
            return "surprised"
    return "neutral"


def _cue(d: Dialogue) -> str:
    return " ".join(filter(None, [d.emotion, *d.parentheticals]))


def is_strong(d: Dialogue) -> bool:
    """An emotional parenthetical/emotion or a reversal line earns a reaction close-up."""
    return expression_for(_cue(d)) in STRONG or bool(REVERSAL.search(d.text))


def is_turn(d: Dialogue) -> bool:
    """A reversal or a reveal: the story turns on this line (a sting lands on the reaction)."""
    return bool(REVERSAL.search(d.text) or REVEAL_LINE.search(plain(d.text)))


def script_hash(episode: Episode) -> str:
    return make_key("script", episode.model_dump(mode="json", exclude={"line"}))[:16]


def _mentioned(text: str, names: list[str]) -> list[str]:
    found = []
    for name in names:
        pattern = re.escape(name)
        if re.search(rf"(?<![\w]){pattern}(?![\w])" if name.isascii() else pattern, text, re.I):
            found.append(name)
    return found


def find_props(text: str, props: list[str]) -> list[str]:
    """The props named in ``text``, in order of appearance (a Latin prop also matches its plural)."""
    hits = []
    for prop in props:
        pattern = rf"(?<![\w]){re.escape(prop)}(?:s|es)?(?![\w])" if prop.isascii() else re.escape(prop)
        m = re.search(pattern, text, re.I)
        if m:
            hits.append((m.start(), prop))
    return [p for _, p in sorted(hits)]


def _insert_label(text: str, prop: str) -> str:
    """What the insert shows written on the prop: 'torn contract', 'photo of her father', the message."""
    if not prop.isascii():
        if prop in ("手机",):
            m = re.search(r"[^，。！？]*(?:短信|消息|微信)[^，。！？]*", text)
            return m.group(0).strip() if m else prop
        return prop
    sentences = re.split(r"(?<=[.!?])\s+", text)
    for i, sentence in enumerate(sentences):
        m = re.search(rf"(?<![\w]){re.escape(prop)}(?:s|es)?(?![\w])", sentence, re.I)
        if not m:
            continue
        if prop in ("phone", "cellphone", "smartphone") and i + 1 < len(sentences) and \
                len(sentences[i + 1]) <= 40:
            return sentences[i + 1].rstrip(".")
        before = re.findall(r"[\w'-]+", sentence[:m.start()])
        words = [before[-1]] if before and before[-1].casefold() not in _STOP else []
        words.append(m.group(0))
        after = re.match(r"\s+(of\s+(?:[\w'-]+\s+){0,2}[\w'-]+)", sentence[m.end():])
        if after:
            words.append(after.group(1))
        return " ".join(words)
    return prop


def with_update(shot: Shot, **update) -> Shot:
    """A validated copy of ``shot`` with ``update`` applied (enums stored as their values)."""
    return Shot.model_validate({**shot.model_dump(), **update})


# ---- coverage: the shots of each scene ------------------------------------------------------------

class Coverage:
    """Walks the script once, scene by scene, and lays down the shots the rules ask for."""

    def __init__(self, episode: Episode, bible: Bible, rules: BoardSection, night_of) -> None:
        self.episode, self.bible, self.rules, self.night_of = episode, bible, rules, night_of
        self.location_key = location_key
        self.shots: list[Shot] = []
        self.scene = 0
        self.loc, self.interior, self.night = "", True, False
        self.people: list[str] = []
        self.sides: dict[str, str] = {}
        self.counts: Counter[str] = Counter()
        self.last_speaker: str | None = None
        self.spoken: set[str] = set()
        self.line = -1
        self.est: dict[str, float] = {}  # estimated seconds per shot id
        self.turns: dict[str, float] = {}  # shot id → how hard a sting there would land
        props = [p.name for p in bible.props] + list(rules.props)
        self.props = props + ([*COMMON_PROPS] if rules.common_props and not bible.props else [])
        self.present: set[str] = set()  # who has been seen or named so far in the scene
        self.felt: dict[str, str] = {}  # each character's last strong expression in the scene
        dialogue = episode.dialogue()
        self.last_line = len(dialogue) - 1

    # -- helpers
    def people_in_scene(self, start: int) -> list[str]:
        names: dict[str, None] = {}
        elements = self.episode.elements
        heading = elements[start] if isinstance(elements[start], SceneHeading) else None
        if heading:
            for n in heading.cast:
                names.setdefault(n, None)
        for el in elements[start + 1:]:
            if isinstance(el, SceneHeading):
                break
            if isinstance(el, Dialogue) and not (set(el.extensions) & _VO):
                names.setdefault(el.character, None)
        return list(names)

    def add(self, key: str, size: ShotSize, reason: str, seconds: float, **kw) -> Shot:
        kw.setdefault("sides", {n: self.sides.get(n, "center") for n in kw.get("subjects", [])})
        shot = Shot(id=f"s{max(self.scene, 1):02d}-{key}", scene=max(self.scene, 1), size=size, reason=reason,
                    location=self.loc, interior=self.interior, night=self.night, **kw)
        self.shots.append(shot)
        self.est[shot.id] = seconds
        return shot

    def angle_for(self, expression: str) -> Angle:
        """Looking up at power (cold, angry), down on fear and hurt (afraid, sad); eye level otherwise."""
        if not self.rules.angles:
            return Angle.EYE
        return {"cold": Angle.LOW, "angry": Angle.LOW, "afraid": Angle.HIGH, "sad": Angle.HIGH}.get(expression,
                                                                                               Angle.EYE)

    def listener_for(self, speaker: str) -> str | None:
        for shot in reversed(self.shots):
            if shot.scene != max(self.scene, 1):
                break
            if shot.speaker and shot.speaker != speaker and shot.speaker in self.present:
                return shot.speaker
        return next((n for n in reversed(self.people) if n != speaker and n in self.present), None)

    # -- elements
    def heading(self, index: int, el: SceneHeading) -> None:
        self.scene += 1
        self.counts = Counter()
        self.loc = self.location_key(el.location or el.text)
        self.interior = el.setting != "EXT"
        self.night = self.night_of(el.time)
        self.people = self.people_in_scene(index)
        self.sides = {n: ("left" if i % 2 == 0 else "right") for i, n in enumerate(self.people)}
        self.last_speaker = None
        self.spoken = set()
        self.present = set(el.cast)
        self.felt = {}
        if self.rules.establishing:
            self.add("e", ShotSize.WS, "establishing", 1.1, subjects=self.people[:3], text=el.text,
                     move=Move.PUSH_IN if self.interior else Move.PAN_RIGHT)

    def action(self, el: Action) -> None:
        self.counts["a"] += 1
        key = f"a{self.counts['a']:02d}"
        text = plain(el.text)
        who = _mentioned(text, self.people)
        self.present.update(who)
        props = find_props(text, self.props) if self.rules.inserts else []
        reveal = bool(_REVEAL_ACTION.search(text))
        if who or not props:
            size = ShotSize.MS if len(who) == 1 else (ShotSize.TWO if len(who) == 2 else ShotSize.WS)
            exprs = {n: expression_for(text) for n in who}
            self.add(key, size, "action", min(max(len(text.split()) * 0.25, 1.4), 2.2),
                     subjects=who[:3] or self.people[:3], text=text, expressions=exprs, props=props,
                     move=Move.PAN_RIGHT if size == ShotSize.WS else Move.STATIC)
        if props:
            prop = props[-1] if reveal else props[0]
            self.add(f"{key}i", ShotSize.INSERT, "insert", 1.0, text=_insert_label(text, prop), props=[prop],
                     move=Move.PUSH_IN)
        if reveal and self.rules.reactions and self.people:
            who = (who or self.people)[0]
            shot = self.add(f"{key}r", ShotSize.CU, "reaction", 1.0, subjects=[who], text=f"{who} reacts",
                            expressions={who: "surprised"}, move=Move.PUSH_IN)
            self.turns[shot.id] = 3.5

    def dialogue(self, el: Dialogue) -> None:
        self.line += 1
        self.counts["d"] += 1
        key = f"d{self.counts['d']:02d}"
        speaker = el.character
        text = plain(el.text)
        voice_over = bool(set(el.extensions) & _VO)
        if speaker not in self.sides and not voice_over:
            values = list(self.sides.values())
            self.sides[speaker] = "right" if values.count("left") > values.count("right") else "left"
            self.people.append(speaker)
        if not voice_over:
            self.present.add(speaker)
        cue = _cue(el)
        expr = expression_for(cue, text)
        strong = is_strong(el)
        turn = is_turn(el)
        last = self.line == self.last_line
        listener = self.listener_for(speaker)
        seconds = speech_seconds(text)
        common = dict(line=self.line, text=text)
        prev = self.shots[-1] if self.shots and self.shots[-1].scene == max(self.scene, 1) else None
        if voice_over and prev is not None and prev.reason == "insert" and prev.line is None:
            # a voice from a phone or a letter: heard over the insert of it
            self.shots[-1] = with_update(prev, line=self.line, speaker=speaker)
            self.est[prev.id] = seconds + 0.4
            self.last_speaker = speaker
            return
        if voice_over and listener:  # heard, not seen: we watch the one who hears it
            self.add(key, ShotSize.CU, "dialogue", seconds + 0.4, subjects=[listener], speaker=speaker,
                     expressions={listener: expression_for(cue) if strong else "neutral"},
                     move=Move.PUSH_IN, **common)
            self.last_speaker = speaker
            return
        size = ShotSize.CU if (strong or self.last_speaker == speaker) else ShotSize.MCU
        if prev is not None and prev.reason == "reaction" and prev.subjects == [speaker]:
            size = ShotSize.MCU  # right after their own reaction close-up: a size wider, no jump cut
        move = Move.PUSH_IN if turn or last else Move.STATIC
        angle = self.angle_for(expr)
        long = (self.rules.split_long_lines and listener is not None and not last and not turn
                and seconds > self.rules.split_seconds)
        single = dict(subjects=[speaker], speaker=speaker, expressions={speaker: expr}, move=move, angle=angle)
        if long and self.rules.shot_reverse_shot and listener in self.people and (speaker not in self.spoken
                                                                                  or strong):
            # shot / reverse shot: the speaker over the listener's shoulder, then cut in to the single
            self.add(f"{key}o", ShotSize.OTS, "shot_reverse_shot", seconds * 0.5, subjects=[speaker, listener],
                     speaker=speaker, expressions={speaker: expr, listener: "neutral"}, **common)
            self.add(key, size, "dialogue", seconds * 0.5 + 0.3, **single, **common)
        elif long and not strong:  # the line carries on over the listener (the reverse)
            self.add(key, size, "dialogue", seconds * 0.55, **single, **common)
            hears = {"angry": "afraid", "cold": "sad", "sad": "sad", "happy": "happy"}.get(expr, "neutral")
            if self.rules.shot_reverse_shot:  # over the speaker's shoulder
                self.add(f"{key}l", ShotSize.OTS, "listen", seconds * 0.45 + 0.3, subjects=[listener, speaker],
                         expressions={listener: hears, speaker: expr}, **common)
            else:
                self.add(f"{key}l", ShotSize.CU, "listen", seconds * 0.45 + 0.3, subjects=[listener],
                         expressions={listener: hears}, angle=self.angle_for(hears), **common)
        else:
            self.add(key, size, "dialogue", seconds + 0.4, **single, **common)
        if REVERSAL.search(text):  # an exclamation turns the scene on the speaker's own face
            self.turns[self.shots[-1].id] = 2.5
        if (strong or turn) and listener and self.rules.reactions:
            react = expression_for(cue) if expression_for(cue) != "neutral" else "surprised"
            react = {"angry": "afraid", "cold": "sad", "afraid": "cold"}.get(react, react)
            if react == "surprised" and not REVEAL_LINE.search(text) and self.felt.get(listener) in ("cold",
                                                                                                     "angry"):
                react = self.felt[listener]  # an outburst does not surprise the one in control
            shot = self.add(f"{key}r", ShotSize.CU, "reaction", 0.9, subjects=[listener],
                            text=f"{listener} reacts", expressions={listener: react}, angle=self.angle_for(react))
            if turn:
                self.turns[shot.id] = 3.0
        self.spoken.add(speaker)
        self.last_speaker = speaker
        if expr != "neutral":
            self.felt[speaker] = expr

    def caption(self, el: Caption) -> None:
        self.counts["c"] += 1
        self.add(f"c{self.counts['c']:02d}", ShotSize.WS if not self.people else ShotSize.MS, "caption", 2.0,
                 subjects=self.people[:2], caption=plain(el.text), text=plain(el.text))

    def centered(self, el: Centered) -> None:
        self.counts["t"] += 1
        self.add(f"t{self.counts['t']:02d}", ShotSize.INSERT, "title", 1.5, caption=plain(el.text),
                 text=plain(el.text))

    def walk(self) -> list[Shot]:
        elements = self.episode.elements
        if not any(isinstance(e, SceneHeading) for e in elements):
            self.scene = 1
            self.people = self.people_in_scene(0)
            self.sides = {n: ("left" if i % 2 == 0 else "right") for i, n in enumerate(self.people)}
        for index, el in enumerate(elements):
            if isinstance(el, SceneHeading):
                self.heading(index, el)
            elif isinstance(el, Action):
                self.action(el)
            elif isinstance(el, Dialogue):
                self.dialogue(el)
            elif isinstance(el, Caption):
                self.caption(el)
            elif isinstance(el, Centered):
                self.centered(el)
        return self.shots

"""Board: a script episode → a storyboard (shots), and merging with the user's edited board.

Rules (first version): each scene opens on a wide establishing shot; dialogue
cuts between speakers in medium close-ups and close-ups, each speaker keeping a
screen side for the whole scene; an emotional parenthetical or a reversal gets
a close-up reaction of the listener; action lines get a shot of their own;
on-screen captions get a shot that carries them.
"""

from __future__ import annotations

import re

from reelwright.cache import canonical_json, make_key
from reelwright.documents.bible import Bible
from reelwright.documents.script import (
    Action, Caption, Centered, Dialogue, Episode, SceneHeading, plain,
)
from reelwright.documents.storyboard import Angle, Move, Shot, ShotSize, Storyboard

__all__ = ["board_episode", "merge_board", "expression_for", "script_hash", "is_strong"]

_EXPRESSION_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("afraid", re.compile(r"afraid|fear|scared|terrif|nervous|stutter|trembl|panic|anxious|"
                          r"害怕|恐惧|紧张|颤抖|发抖|惊恐|慌", re.I)),
    ("angry", re.compile(r"angr|furious|rage|shout|yell|snap|hiss|glar|affront|"
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
_REVERSAL = re.compile(r"\?!|!\?|！？|？！|\b(?:what|no|never|impossible)\b[!?]|不可能|什么[？?！!]|原来|竟然", re.I)
STRONG = {"angry", "surprised", "afraid", "sad", "cold"}


def expression_for(*texts: str | None) -> str:
    """The comic expression that best fits an emotion word, a parenthetical or the line itself."""
    for text in texts:
        if not text:
            continue
        for name, pattern in _EXPRESSION_WORDS:
            if pattern.search(text):
                return name
    for text in texts:
        if text and _REVERSAL.search(text):
            return "surprised"
    return "neutral"


def is_strong(d: Dialogue) -> bool:
    """An emotional parenthetical/emotion or a reversal line earns a reaction close-up."""
    cue = " ".join(filter(None, [d.emotion, *d.parentheticals]))
    return expression_for(cue) in STRONG or bool(_REVERSAL.search(d.text))


def script_hash(episode: Episode) -> str:
    return make_key("script", episode.model_dump(mode="json", exclude={"line"}))[:16]


def _mentioned(text: str, names: list[str]) -> list[str]:
    found = []
    for name in names:
        pattern = re.escape(name)
        if re.search(rf"(?<![\w]){pattern}(?![\w])" if name.isascii() else pattern, text, re.I):
            found.append(name)
    return found


def board_episode(episode: Episode, bible: Bible, *, night_of=None) -> Storyboard:
    """A fresh storyboard for ``episode`` (deterministic: same script, same board)."""
    from reelwright.project import location_key  # noqa: PLC0415

    night_of = night_of or (lambda t: bool(re.search(r"night|夜|晚", t or "", re.I)))
    shots: list[Shot] = []
    scene = 0
    loc, interior, night = "", True, False
    sides: dict[str, str] = {}
    scene_people: list[str] = []
    last_speaker: str | None = None
    dialogue_index = -1
    per_scene = 0
    elements = episode.elements

    def people_in_scene(start: int) -> list[str]:
        names: dict[str, None] = {}
        heading = elements[start] if isinstance(elements[start], SceneHeading) else None
        if heading:
            for n in heading.cast:
                names.setdefault(n, None)
        for el in elements[start + 1:]:
            if isinstance(el, SceneHeading):
                break
            if isinstance(el, Dialogue):
                names.setdefault(el.character, None)
        return list(names)

    def add(size: ShotSize, reason: str, **kw) -> Shot:
        nonlocal per_scene
        per_scene += 1
        kw.setdefault("sides", {n: sides.get(n, "center") for n in kw.get("subjects", [])})
        shot = Shot(id=f"s{scene:02d}-{per_scene:02d}", scene=max(scene, 1), size=size, reason=reason,
                    location=loc, interior=interior, night=night, **kw)
        shots.append(shot)
        return shot

    if not any(isinstance(e, SceneHeading) for e in elements):
        scene_people = people_in_scene(0)
        scene = 1
        for i, n in enumerate(scene_people):
            sides[n] = "left" if i % 2 == 0 else "right"

    for index, el in enumerate(elements):
        if isinstance(el, SceneHeading):
            scene += 1
            per_scene = 0
            loc = location_key(el.location or el.text)
            interior = el.setting != "EXT"
            night = night_of(el.time)
            scene_people = people_in_scene(index)
            sides = {n: ("left" if i % 2 == 0 else "right") for i, n in enumerate(scene_people)}
            last_speaker = None
            add(ShotSize.WS, "establishing", subjects=scene_people[:3], text=el.text, move=Move.PUSH_IN)
        elif isinstance(el, Action):
            text = plain(el.text)
            who = _mentioned(text, scene_people) or []
            size = ShotSize.MS if len(who) == 1 else (ShotSize.TWO if len(who) == 2 else ShotSize.WS)
            exprs = {n: expression_for(text) for n in who}
            add(size, "action", subjects=who[:3] or scene_people[:3], text=text, expressions=exprs,
                move=Move.PAN_RIGHT if size == ShotSize.WS else Move.STATIC)
        elif isinstance(el, Dialogue):
            dialogue_index += 1
            speaker = el.character
            if speaker not in sides:
                sides[speaker] = "right" if list(sides.values()).count("left") > list(sides.values()).count(
                    "right") else "left"
                scene_people.append(speaker)
            cue = " ".join(filter(None, [el.emotion, *el.parentheticals]))
            expr = expression_for(cue, plain(el.text))
            strong = is_strong(el)
            size = ShotSize.CU if (strong or last_speaker == speaker) else ShotSize.MCU
            move = Move.PUSH_IN if strong else Move.STATIC
            add(size, "dialogue", subjects=[speaker], speaker=speaker, line=dialogue_index, text=plain(el.text),
                expressions={speaker: expr}, move=move)
            listener = next((n for n in reversed(scene_people) if n != speaker), None)
            if strong and listener:
                react = expression_for(cue) if expression_for(cue) != "neutral" else "surprised"
                react = {"angry": "afraid", "cold": "sad"}.get(react, react)
                add(ShotSize.CU, "reaction", subjects=[listener], text=f"{listener} reacts",
                    expressions={listener: react}, frames=24)
            last_speaker = speaker
        elif isinstance(el, Caption):
            add(ShotSize.WS if not scene_people else ShotSize.MS, "caption", subjects=scene_people[:2],
                caption=plain(el.text), text=plain(el.text))
        elif isinstance(el, Centered):
            add(ShotSize.INSERT, "title", caption=plain(el.text), text=plain(el.text), frames=45)
    for shot in shots:
        if shot.size in (ShotSize.CU, ShotSize.MCU) and shot.angle == Angle.EYE and shot.reason == "reaction":
            shot.move = Move.PUSH_IN
    return Storyboard(episode=episode.number, script_hash=script_hash(episode), shots=shots)


_SCRIPT_FIELDS = ("line", "text", "speaker", "caption", "scene", "location", "interior", "night")


def merge_board(fresh: Storyboard, existing: Storyboard | None, previous: Storyboard | None = None) -> Storyboard:
    """Keep the user's edits: shots are matched by id.

    ``previous`` is the board as last generated (kept in the cache). A field the
    user changed from what was generated is kept; everything else follows the
    fresh board, so script edits flow through and board edits survive. Without
    ``previous``, every field of an existing shot except the script-derived ones
    counts as the user's.
    """
    if existing is None:
        return fresh
    old = {s.id: s for s in existing.shots}
    gen = {s.id: s for s in previous.shots} if previous else {}
    shots = []
    for shot in fresh.shots:
        mine = old.get(shot.id)
        if mine is None:
            shots.append(shot)
            continue
        base = gen[shot.id].model_dump() if shot.id in gen else None
        data = shot.model_dump()
        for name, value in mine.model_dump().items():
            if name == "id":
                continue
            if base is not None:
                if canonical_json(value) != canonical_json(base.get(name)):
                    data[name] = value  # the user changed it
            elif name not in _SCRIPT_FIELDS:
                data[name] = value
        shots.append(Shot.model_validate(data))
    return fresh.model_copy(update={"shots": shots})

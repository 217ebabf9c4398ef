"""Board: a script episode → a storyboard, by rules a director would recognise.

Each rule is a small named step, switched on and off in ``[board]`` of reelwright.toml:

``establishing``       a wide shot opens every scene: where we are, who is there.
``shot_reverse_shot``  in a two-person exchange a speaker's long line opens on an over-the-shoulder
                       shot, then cuts in to their single.
``screen_direction``   the 180° rule: a character keeps a screen side for the whole scene; a shot
                       marked ``cross: true`` crosses the line and the sides swap from there on.
``reactions``          the listener's close-up after a reversal, a reveal or an emotional line.
``inserts``            a close shot of a prop an action line names (the bible's props, ``[board] props``
                       and, when the bible names none, common drama props).
``split_long_lines``   a long line plays on the speaker's close-up, then on the listener while it
                       carries on (an L-cut, made in the cut).
``cliffhanger``        the last line on a close-up with a sting; the episode ends on a close-up.
``close_up_share``     close-ups (ECU, CU, MCU, INSERT) kept between ``close_up_min`` and ``close_up_max``.
``hook``               (:func:`open_on_hook`) the episode opens on its most striking line, or on a
                       flash of its most striking shot, never on a slow establishing wide.

Shot ids are stable names for what a shot covers — ``s02-d03`` is scene 2's third line, ``s02-d03r``
the reaction to it, ``s02-a01i`` the insert for its first action line — so edits in ``boards/`` follow
the shot when the script around it changes.
"""

from __future__ import annotations

import re
from collections import Counter

from reelwright.documents.base import load_document, save_document
from reelwright.documents.bible import Bible
from reelwright.documents.script import Episode
from reelwright.documents.storyboard import (
    CLOSE_SIZES,
    Angle,
    Move,
    SceneSound,
    Shot,
    ShotSize,
    Storyboard,
)
from reelwright.project.cache import Cache, canonical_json
from reelwright.project.folder import Project
from reelwright.project.settings import BoardSection
from reelwright.stages.coverage import (
    STRONG,
    Coverage,
    expression_for,
    find_props,
    is_strong,
    is_turn,
    script_hash,
)
from reelwright.stages.coverage import (
    with_update as _with,
)

__all__ = ["board_episode", "open_on_hook", "direct_episode", "merge_board", "merge_fields",
           "apply_screen_direction", "expression_for", "script_hash", "is_strong", "is_turn", "close_up_share",
           "find_props", "RULES"]

RULES = ("establishing", "shot_reverse_shot", "screen_direction", "reactions", "inserts", "split_long_lines",
         "cliffhanger", "close_up_share", "hook", "j_l_cuts", "angles")


# ---- episode-wide rules ---------------------------------------------------------------------------

def _place_stings(shots: list[Shot], est: dict[str, float], turns: dict[str, float],
                  spacing: float = 6.0) -> list[Shot]:
    """Stings on the turns that hit hardest, at least ``spacing`` seconds (estimated) apart."""
    times, clock = {}, 0.0
    for s in shots:
        times[s.id] = clock
        clock += est.get(s.id, 1.5)
    chosen: list[float] = []
    picked = set()
    for sid in sorted(turns, key=lambda k: (-turns[k], times.get(k, 0.0))):
        t = times.get(sid)
        if t is not None and all(abs(t - c) >= spacing for c in chosen):
            chosen.append(t)
            picked.add(sid)
    return [_with(s, sting="hit") if s.id in picked else s for s in shots]

def apply_screen_direction(shots: list[Shot], enabled: bool = True) -> list[Shot]:
    """The 180° rule: every shot of a scene puts each character on the side they took at the scene's
    start; a shot marked ``cross`` swaps the sides from there on. Off: singles centred, no sides."""
    out: list[Shot] = []
    state: dict[int, dict[str, str]] = {}
    for shot in shots:
        if shot.reason == "hook":
            out.append(shot)
            continue
        if not enabled:
            out.append(_with(shot, **{"sides": {}}))
            continue
        sides = state.setdefault(shot.scene, {})
        if shot.cross:
            for name in sides:
                sides[name] = {"left": "right", "right": "left"}.get(sides[name], sides[name])
        for name in shot.subjects:
            if name not in sides:
                taken = list(sides.values())
                wanted = shot.sides.get(name)
                if wanted in ("left", "right") and taken.count(wanted) <= taken.count(
                        "left" if wanted == "right" else "right"):
                    sides[name] = wanted
                else:
                    sides[name] = "right" if taken.count("left") > taken.count("right") else "left"
        out.append(_with(shot, **{"sides": {n: sides[n] for n in shot.subjects}}))
    return out


def close_up_share(shots: list[Shot]) -> float:
    """Close-ups (ECU, CU, MCU, INSERT) as a share of all shots."""
    return sum(1 for s in shots if s.size in CLOSE_SIZES) / len(shots) if shots else 0.0


def _cliffhanger(shots: list[Shot]) -> list[Shot]:
    """The last line on a close-up with the cliffhanger sting; the episode ends on a close-up."""
    lines = [i for i, s in enumerate(shots) if s.line is not None]
    if not lines:
        return shots
    shots = list(shots)
    last = max(s.line for s in shots if s.line is not None)
    main = next((i for i, s in enumerate(shots) if s.line == last and s.reason == "dialogue"), None)
    if main is None:
        return shots
    s = shots[main]
    if s.size not in ("CU", "ECU"):
        shots[main] = s = _with(s, **{"size": ShotSize.CU, "move": Move.PUSH_IN})
    tail = shots[-1]
    if tail.size not in ("ECU", "CU", "MCU"):
        if tail.subjects and tail.reason in ("action", "caption"):
            who = tail.subjects[0]
            shots[-1] = tail = _with(tail, **{"size": ShotSize.CU, "subjects": [who], "move": Move.PUSH_IN,
                                                       "sides": {who: tail.sides.get(who, "center")}})
        else:
            who = s.subjects[0] if s.subjects else (s.speaker or "")
            if who:
                tail = _with(s, **{"id": f"s{tail.scene:02d}-x", "scene": tail.scene, "line": None,
                                            "speaker": None, "reason": "cliffhanger", "text": f"{who} — the end",
                                            "location": tail.location, "interior": tail.interior,
                                            "night": tail.night, "sting": None})
                shots.append(tail)
    final = max(i for i, x in enumerate(shots) if x.size in ("ECU", "CU", "MCU")) if any(
        x.size in ("ECU", "CU", "MCU") for x in shots) else main
    target = main if final <= main + 1 else final
    for i, x in enumerate(shots):
        if x.sting == "cliffhanger" or (x.sting == "hit" and i >= main):
            shots[i] = _with(x, **{"sting": None})
    shots[target] = _with(shots[target], **{"sting": "cliffhanger"})
    return shots


def _balance_close_ups(shots: list[Shot], lo: float, hi: float) -> list[Shot]:
    """Tighten or loosen coverage until close-ups are between ``lo`` and ``hi`` of the shots."""
    shots = list(shots)
    share = close_up_share

    def close(i: int, size: ShotSize) -> None:
        shots[i] = _with(shots[i], **{"size": size})

    # too few: action singles move in, over-the-shoulder openers go, then two-shots move in
    for test, fix in ((lambda s: s.reason == "action" and s.size == "MS" and len(s.subjects) <= 1, "MCU"),
                      (lambda s: s.reason == "shot_reverse_shot", None),
                      (lambda s: s.reason in ("action", "caption") and s.size in ("2S", "MS"), "MCU")):
        for i in range(len(shots) - 1, -1, -1):
            if share(shots) >= lo:
                break
            if i < len(shots) and test(shots[i]):
                if fix is None:
                    del shots[i]
                else:
                    close(i, ShotSize(fix))
                    shots[i] = _with(shots[i], **{"subjects": shots[i].subjects[:1]})
    # too many: plain singles in two-person scenes open out to over-the-shoulder shots
    if share(shots) > hi:
        for i, s in enumerate(shots):
            if share(shots) <= hi:
                break
            nxt = shots[i + 1] if i + 1 < len(shots) else None
            if (s.reason == "dialogue" and s.size == "MCU" and s.speaker in s.subjects and nxt is not None
                    and s.move == "static"):
                listener = next((x.speaker for x in reversed(shots[:i]) if x.scene == s.scene and x.speaker
                                 and x.speaker != s.speaker), None)
                if listener:
                    shots[i] = _with(s, **{"size": ShotSize.OTS, "subjects": [s.speaker, listener],
                                                    "expressions": {**s.expressions, listener: "neutral"}})
    return shots


def _moods(episode: Episode, shots: list[Shot]) -> list[SceneSound]:
    """A mood per scene from the emotions of its lines and actions (it picks the music bed)."""
    tally: dict[int, Counter[str]] = {}
    for s in shots:
        c = tally.setdefault(s.scene, Counter())
        for e in s.expressions.values():
            c[e] += 1
        if s.sting:
            c["turn"] += 2
    out = []
    for scene in sorted(tally):
        c = tally[scene]
        night = any(s.night for s in shots if s.scene == scene)
        score = {"angry": c["angry"] * 1.2, "tense": c["afraid"] + c["surprised"] + c["cold"] * 0.8 + c["turn"],
                 "sad": c["sad"] * 1.3, "warm": c["happy"] * 1.1, "mystery": 1.0 if night else 0.0,
                 "calm": 0.9}
        out.append(SceneSound(scene=scene, mood=max(score, key=score.get)))
    return out


def board_episode(episode: Episode, bible: Bible, *, night_of=None, rules: BoardSection | None = None) -> Storyboard:
    """The coverage of ``episode`` in story order (deterministic: same script and rules, same board).

    The hook is an edit decision on top of this: see :func:`open_on_hook` and :func:`direct_episode`.
    """
    rules = rules or BoardSection()
    night_of = night_of or (lambda t: bool(re.search(r"night|夜|晚", t or "", re.I)))
    coverage = Coverage(episode, bible, rules, night_of)
    shots = _place_stings(coverage.walk(), coverage.est, coverage.turns)
    if rules.cliffhanger:
        shots = _cliffhanger(shots)
    if rules.close_up_share:
        shots = _balance_close_ups(shots, rules.close_up_min, rules.close_up_max)
    shots = apply_screen_direction(shots, rules.screen_direction)
    for i, shot in enumerate(shots):  # a reaction pushes in only when a turn lands on it
        if shot.reason == "reaction":
            dutch = rules.angles and shot.sting == "hit" and re.search(r"-a\d+r$", shot.id)
            shots[i] = _with(shot, move=Move.PUSH_IN if shot.sting else Move.STATIC,
                             angle=Angle.DUTCH if dutch else shot.angle)
    return Storyboard(episode=episode.number, script_hash=script_hash(episode), shots=shots,
                      scenes=_moods(episode, shots))


def _striking(shot: Shot) -> float:
    score = {"hit": 5.0, "cliffhanger": 1.0}.get(shot.sting or "", 0.0)
    if shot.reason == "reaction":
        score += 1.0
    if shot.reason == "dialogue" and any(e in STRONG for e in shot.expressions.values()):
        score += 3.0 if shot.size in ("CU", "ECU") else 2.0
    if shot.reason == "insert":
        score += 1.5
    return score


def open_on_hook(board: Storyboard) -> Storyboard:
    """The hook: the episode opens on its most striking line or shot, never on a slow establishing wide.

    When the first line comes early and is itself strong, the episode opens on it (in medias res) and the
    establishing wide follows it. Otherwise a one-second flash of the episode's most striking shot (a
    reaction to its biggest turn, say) opens the episode, with a sting, before the story starts.
    """
    shots = list(board.shots)
    if not shots or shots[0].reason not in ("establishing", "action", "insert", "caption", "title"):
        return board
    first = next((i for i, s in enumerate(shots) if s.line is not None), None)
    if first is not None and first <= 4 and all(s.scene == shots[first].scene for s in shots[:first + 1]):
        opening = shots[first]
        carries = [i for i in range(first, len(shots)) if shots[i].line == opening.line or (
            i > first and shots[i].reason == "reaction" and shots[i - 1].line == opening.line)]
        if _striking(opening) >= 3.0 or any(shots[i].reason == "dialogue" and _striking(shots[i]) >= 3.0
                                            for i in carries):
            run = list(range(first, carries[-1] + 1))
            moved = [shots[i] for i in run]
            if len(moved) > 1 and moved[0].reason == "shot_reverse_shot" and moved[1].line == moved[0].line:
                moved[0], moved[1] = moved[1], moved[0]  # open tight on the face, then the over-the-shoulder
            if moved[0].move == "static":
                moved[0] = _with(moved[0], move=Move.PUSH_IN)  # the opening frame moves
            rest = [s for i, s in enumerate(shots) if i not in run]
            return board.model_copy(update={"shots": moved + rest})
    best = max(range(len(shots)), key=lambda i: (_striking(shots[i]), -i))
    if _striking(shots[best]) < 2.0:
        if first is not None and first <= 4:
            return board.model_copy(update={"shots": [shots[first]] + shots[:first] + shots[first + 1:]})
        return board
    src = shots[best]
    hook = _with(src, **{"id": "hook", "reason": "hook", "line": None, "speaker": None, "sting": "hit",
                                  "frames": None, "move": Move.PUSH_IN,
                                  "size": ShotSize.CU if src.size == "MCU" else src.size,
                                  "text": f"flash-forward: {src.text}"})
    return board.model_copy(update={"shots": [hook] + shots})


def direct_episode(episode: Episode, bible: Bible, *, night_of=None, rules: BoardSection | None = None) -> Storyboard:
    """The board a build uses: the coverage, then the hook (when the rule is on)."""
    rules = rules or BoardSection()
    board = board_episode(episode, bible, night_of=night_of, rules=rules)
    return open_on_hook(board) if rules.hook else board


# ---- keeping the user's edits ---------------------------------------------------------------------

_SCRIPT_FIELDS = ("line", "text", "speaker", "caption", "scene", "location", "interior", "night")


def merge_fields(fresh: dict, mine: dict, base: dict | None, script_fields: tuple[str, ...]) -> dict:
    """``fresh`` with the user's edits from ``mine``: a field that differs from ``base`` (as last generated)
    is the user's; without ``base``, every field of ``mine`` except ``script_fields`` is."""
    data = dict(fresh)
    for name, value in mine.items():
        if base is not None:
            if canonical_json(value) != canonical_json(base.get(name)):
                data[name] = value  # the user changed it
        elif name not in script_fields:
            data[name] = value
    return data


def merge_board(fresh: Storyboard, existing: Storyboard | None, previous: Storyboard | None = None) -> Storyboard:
    """Keep the user's edits: shots are matched by id, scene sounds by scene number.

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
        mine_data = {k: v for k, v in mine.model_dump().items() if k != "id"}
        shots.append(Shot.model_validate(merge_fields(shot.model_dump(), mine_data, base, _SCRIPT_FIELDS)))
    old_scenes = {s.scene: s for s in existing.scenes}
    gen_scenes = {s.scene: s for s in previous.scenes} if previous else {}
    scenes = []
    for sc in fresh.scenes:
        mine = old_scenes.get(sc.scene)
        if mine is None:
            scenes.append(sc)
            continue
        base = gen_scenes[sc.scene].model_dump() if sc.scene in gen_scenes else None
        scenes.append(SceneSound.model_validate(merge_fields(sc.model_dump(), mine.model_dump(), base, ("scene",))))
    return fresh.model_copy(update={"shots": shots, "scenes": scenes})


def derive_board(project: Project, number: int, cache: Cache) -> tuple[Storyboard, Storyboard]:
    """(the episode's board, the board as freshly generated): derived from the script and merged with the
    user's edits, in memory (nothing is written)."""

    src = project.episodes[number]
    rules = project.settings.board
    fresh = direct_episode(src.episode, project.bible, night_of=project.night, rules=rules)
    generated_path = cache.root / "board" / f"ep{number:03d}.generated.yaml"
    previous = load_document(generated_path, Storyboard) if generated_path.exists() else None
    existing = project.load_board(number)
    board = merge_board(fresh, existing, previous)
    if rules.screen_direction and existing is not None:  # the user's cross: true marks move the sides
        board = board.model_copy(update={"shots": apply_screen_direction(board.shots)})
    return board, fresh


def make_board(project: Project, number: int, cache: Cache) -> Storyboard:
    """The episode's board: freshly derived from the script, merged with the user's edits, saved."""
    board, fresh = derive_board(project, number, cache)
    if save_document(board, project.board_path(number)):
        cache.did("board")
    save_document(fresh, cache.root / "board" / f"ep{number:03d}.generated.yaml")
    return board

"""The season's structure, decided in code: arc, beats, cast, cliffhanger strength, paywall; duration estimates.

Nothing here calls a model. :func:`plan_season` lays out every episode of a
season from the bible and the settings; the writer later fills the short texts.
:func:`estimate_seconds` mirrors the cut stage's timing rules closely enough to
steer how many lines each beat gets.
"""

from __future__ import annotations

import hashlib
import math

from reelwright.documents.bible import Bible, Character
from reelwright.documents.script import (
    Episode,
)
from reelwright.documents.season import Act, Beat, EpisodePlan, Season
from reelwright.stages import timing
from reelwright.stages.board import is_strong

__all__ = ["plan_season", "beat_layout", "acts_for", "estimate_seconds", "element_times", "seconds_per_line",
           "ROLES", "cast_for", "HOOK_SECONDS", "CLIFF_SECONDS", "TURN_SECONDS"]

HOOK_SECONDS = 3
CLIFF_SECONDS = 10
TURN_SECONDS = 15

ROLES = ("protagonist", "love interest", "antagonist", "ally", "elder")

_PURPOSES = {
    "en": {
        "hook": [
            "open on a shocking moment the viewer cannot look away from: a slap, a humiliation or a reveal",
            "open in the middle of a confrontation with an accusation",
            "open on a secret being discovered",
            "open on a threat or an ultimatum",
        ],
        "turn": {
            "setup": ["the protagonist is wronged and the conflict is set up; end the beat on a reversal",
                      "a first clue to a secret appears; end the beat on a reversal"],
            "escalation": ["the antagonist strikes back and the stakes rise; end the beat on a reversal",
                           "an ally wavers or a lie is told; end the beat on a reversal"],
            "midpoint": ["a reversal: what everyone believed turns out to be false"],
            "climax": ["the protagonist turns the tables in a confrontation; end the beat on a reversal",
                       "secrets come out one after another; end the beat on a reversal"],
        },
        "cliffhanger": [
            (1, "end on a question the viewer wants answered"),
            (6, "end as a secret is about to be exposed; cut before it is"),
            (8, "end on a sudden arrival or a line that changes everything; cut before the reaction"),
            (9, "end on a shocking reveal that turns the story around; cut before the reaction"),
            (10, "end on the season's biggest reveal, the hidden truth exposed in front of everyone; "
                 "cut before anyone reacts"),
        ],
        "acts": {
            "setup": "introduce the world, the protagonist's wound and the antagonist",
            "escalation": "each episode raises the stakes; small wins, bigger losses",
            "midpoint": "a reversal that turns the story around",
            "climax": "the truth comes out and the protagonist wins or loses everything",
        },
    },
    "zh": {
        "hook": [
            "开场就是冲突高潮：一记耳光、当众羞辱或惊人真相",
            "开场就在激烈对峙中，有人当面指控",
            "开场即发现一个秘密",
            "开场就是威胁或最后通牒",
        ],
        "turn": {
            "setup": ["主角受辱，矛盾建立；本段结尾要有反转", "秘密的第一条线索出现；本段结尾要有反转"],
            "escalation": ["反派反击，赌注升级；本段结尾要有反转", "盟友动摇或有人撒谎；本段结尾要有反转"],
            "midpoint": ["大反转：大家相信的事原来是假的"],
            "climax": ["主角在对峙中反败为胜；本段结尾要有反转", "秘密接连曝光；本段结尾要有反转"],
        },
        "cliffhanger": [
            (1, "以一个让观众想知道答案的问题结尾"),
            (6, "秘密即将被揭穿时戛然而止"),
            (8, "有人突然出现或一句话改变一切，在反应之前切断"),
            (9, "以颠覆剧情的惊人真相结尾，在反应之前切断"),
            (10, "以全季最大的真相结尾：隐藏的真相当众曝光，在任何人反应之前切断"),
        ],
        "acts": {
            "setup": "交代世界、主角的伤痛和反派",
            "escalation": "每集赌注升级，小胜之后是更大的失败",
            "midpoint": "一次扭转全剧的大反转",
            "climax": "真相大白，主角赢得或失去一切",
        },
    },
}


def _lang(language: str) -> str:
    return "zh" if language == "zh" else "en"


def beat_layout(target: int) -> list[tuple[str, int, int]]:
    """``[(kind, start, end)]``: a hook in 0–3 s, turns about every 15 s, a cliffhanger in the last 10 s."""
    body_end = max(target - CLIFF_SECONDS, HOOK_SECONDS + 5)
    turns = max(1, round((body_end - HOOK_SECONDS) / TURN_SECONDS))
    bounds = [HOOK_SECONDS + round(i * (body_end - HOOK_SECONDS) / turns) for i in range(turns + 1)]
    beats = [("hook", 0, HOOK_SECONDS)]
    beats += [("turn", a, b) for a, b in zip(bounds, bounds[1:])]
    beats.append(("cliffhanger", body_end, max(target, body_end + 5)))
    return beats


def acts_for(count: int) -> list[str]:
    """The act of each episode: setup, escalation, a midpoint reversal, escalation again, climax."""
    setup = max(1, round(0.2 * count)) if count > 1 else 0
    climax = max(1, round(0.15 * count))
    midpoint = math.ceil(count / 2) if count >= 4 else None
    out = []
    for n in range(1, count + 1):
        if n > count - climax:
            out.append("climax")
        elif n <= setup:
            out.append("setup")
        elif n == midpoint:
            out.append("midpoint")
        else:
            out.append("escalation")
    return out


def _pick(options: list, *seeds: object) -> object:
    h = hashlib.sha256("|".join(map(str, seeds)).encode()).digest()
    return options[int.from_bytes(h[:4], "big") % len(options)]


def _by_role(bible: Bible) -> list[Character]:
    order = {r: i for i, r in enumerate(ROLES)}
    return sorted(bible.characters, key=lambda c: (order.get(c.role, len(ROLES)), bible.characters.index(c)))


def cast_for(bible: Bible, number: int, act: str, size: int, gone: set[str], strong: bool) -> list[str]:
    """Who appears in an episode: the protagonist always, the antagonist in strong episodes, others in turn."""
    people = [c for c in _by_role(bible) if c.name not in gone]
    if not people:
        return []
    lead, rest = people[0], people[1:]
    chosen = [lead.name]
    antagonist = next((c for c in rest if c.role == "antagonist"), None)
    if antagonist and (strong or act in ("midpoint", "climax") or number % 2 == 1):
        chosen.append(antagonist.name)
    others = [c for c in rest if c.name not in chosen]
    if others:
        k = (number - 1) % len(others)
        others = others[k:] + others[:k]
    for c in others:
        if len(chosen) >= size:
            break
        chosen.append(c.name)
    return chosen


def _strengths(acts: list[str], paywall: int | None) -> list[int]:
    count = len(acts)
    out = []
    for n, act in enumerate(acts, 1):
        s = 4 + round(4 * n / count)
        if act == "midpoint":
            s = 9
        if n == count:
            s = 9
        out.append(min(s, 9))
    if paywall is not None:
        out[paywall - 1] = 10  # the paywall sits on the season's strongest cliffhanger
    return out


def plan_season(bible: Bible, *, episodes: int, target_seconds: int, paywall_after: int | None,
                language: str, premise: str = "", existing: Season | None = None) -> Season:
    """Lay out a season. Episodes already in ``existing`` keep their filled texts where the structure matches."""
    lang = _lang(language)
    table = _PURPOSES[lang]
    acts = acts_for(episodes)
    paywall = paywall_after if paywall_after is not None and paywall_after < episodes else None
    strengths = _strengths(acts, paywall)
    locations = [loc.name for loc in bible.locations] or (["客厅"] if lang == "zh" else ["APARTMENT"])
    size = 3 if target_seconds <= 75 else 4
    gone: set[str] = set()
    plans: list[EpisodePlan] = []
    for n in range(1, episodes + 1):
        act = acts[n - 1]
        strength = strengths[n - 1]
        old = existing.episode(n) if existing else None
        if old is not None:
            gone |= set(old.exits)
        cast = cast_for(bible, n, act, size, gone, strength >= 9)
        beats = []
        for i, (kind, start, end) in enumerate(beat_layout(target_seconds)):
            if kind == "hook":
                purpose = str(_pick(table["hook"], "hook", n))
            elif kind == "turn":
                purpose = str(_pick(table["turn"][act], "turn", n, i))
            else:
                purpose = next(p for s, p in reversed(table["cliffhanger"]) if strength >= s)
            beats.append(Beat(kind=kind, start=start, end=end, purpose=purpose, speakers=list(cast)))
        main = locations[(n - 1) % len(locations)]
        where = [main]
        if target_seconds > 75 and len(locations) > 1:
            where.append(locations[n % len(locations)])
        plan = EpisodePlan(number=n, act=act, location=main, locations=where, cast=cast,
                           cliffhanger_strength=strength, paywall=n == paywall, beats=beats)
        if old is not None and [(b.kind, b.start, b.end) for b in old.beats] == [(b.kind, b.start, b.end)
                                                                                   for b in beats]:
            # the user's texts and cast stay; characters who have left the story go
            kept = [c for c in old.cast if c not in gone or c in old.exits] or cast
            old_beats = [b.model_copy(update={"speakers": [s for s in b.speakers if s in kept] or list(kept)})
                         for b in old.beats]
            plan = old.model_copy(update={"act": act, "cliffhanger_strength": strength, "paywall": n == paywall,
                                          "cast": kept, "beats": old_beats})
        plans.append(plan)
    act_list: list[Act] = []
    for n, act in enumerate(acts, 1):
        if act_list and act_list[-1].name == act:
            act_list[-1].last = n
        else:
            act_list.append(Act(name=act, first=n, last=n, purpose=table["acts"][act]))
    return Season(title=bible.title, language=language, logline=bible.logline, genre=bible.genre, tone=bible.tone,
                  premise=premise, episode_count=episodes, target_seconds=target_seconds, paywall_after=paywall_after,
                  acts=act_list, episodes=plans)


# ---- timing ------------------------------------------------------------------------------------

def seconds_per_line(language: str) -> float:
    """A typical line (8–12 words, or 10–16 characters) with its lead and tail."""
    return 3.6 if _lang(language) == "en" else 3.4


def element_times(episode: Episode) -> list[tuple[float, float]]:
    """Estimated ``(start, end)`` seconds of each element (:mod:`reelwright.stages.timing`, strong lines with
    their reaction shot)."""
    return timing.element_times(episode, is_strong)


def estimate_seconds(episode: Episode) -> float:
    """Estimated length of the built episode (:mod:`reelwright.stages.timing`)."""
    return timing.episode_seconds(episode, is_strong)

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
from reelwright.writing.genre import Genre, choose_genre, genre_from_label, get_genre

__all__ = ["plan_season", "season_genre", "beat_layout", "acts_for", "estimate_seconds", "element_times", "seconds_per_line",
           "ROLES", "cast_for", "HOOK_SECONDS", "CLIFF_SECONDS", "TURN_SECONDS"]

HOOK_SECONDS = 3
CLIFF_SECONDS = 10
TURN_SECONDS = 15

ROLES = ("protagonist", "love interest", "antagonist", "ally", "elder")

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


def _by_role(bible: Bible, named: list[str] | None = None) -> list[Character]:
    """The protagonist first, then the people the source names (in its order), then the rest by role."""
    order = {r: i for i, r in enumerate(ROLES)}
    first = {n.casefold(): i for i, n in enumerate(named or [])}
    return sorted(bible.characters, key=lambda c: (c.role != "protagonist", first.get(c.name.casefold(), 99),
                                                   order.get(c.role, len(ROLES)), bible.characters.index(c)))


def cast_for(bible: Bible, number: int, act: str, size: int, gone: set[str], strong: bool,
             opponent: str = "antagonist", named: list[str] | None = None) -> list[str]:
    """Who appears in an episode: the protagonist always, the people the source names in the first episode, the
    genre's opponent (the antagonist, the rival, …) in strong episodes, others in turn."""
    people = [c for c in _by_role(bible, named) if c.name not in gone]
    if not people:
        return []
    lead, rest = people[0], people[1:]
    chosen = [lead.name]
    if number == 1 and named:
        chosen += [c.name for c in rest if c.name.casefold() in {n.casefold() for n in named}][:max(0, size - 1)]
    antagonist = next((c for c in rest if opponent and c.role == opponent), None)
    if antagonist and antagonist.name not in chosen and len(chosen) < size and (
            strong or act in ("midpoint", "climax") or number % 2 == 1):
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


def season_genre(bible: Bible, premise: str = "", override: str = "") -> Genre:
    """The genre template of a season: the override, else the bible's genre when it names one, else the premise's."""
    if override:
        return get_genre(override)
    key = genre_from_label(bible.genre)
    return get_genre(key) if key else choose_genre(premise)


def plan_season(bible: Bible, *, episodes: int, target_seconds: int, paywall_after: int | None,
                language: str, premise: str = "", existing: Season | None = None, genre: Genre | None = None,
                named: list[str] | None = None) -> Season:
    """Lay out a season with the genre's arc and beat kinds. ``named``: the people the source names (all of
    them in the first episode). Episodes already in ``existing`` keep their filled texts where the structure
    matches."""
    lang = _lang(language)
    genre = genre or season_genre(bible, premise)
    acts = acts_for(episodes)
    paywall = paywall_after if paywall_after is not None and paywall_after < episodes else None
    strengths = _strengths(acts, paywall)
    locations = [loc.name for loc in bible.locations] or (["客厅"] if lang == "zh" else ["APARTMENT"])
    size = max(3 if target_seconds <= 75 else 4, min(5, len(named or [])))
    gone: set[str] = set()
    plans: list[EpisodePlan] = []
    for n in range(1, episodes + 1):
        act = acts[n - 1]
        strength = strengths[n - 1]
        old = existing.episode(n) if existing else None
        if old is not None:
            gone |= set(old.exits)
        cast = cast_for(bible, n, act, size, gone, strength >= 9, genre.opponent, named)
        beats = []
        for i, (kind, start, end) in enumerate(beat_layout(target_seconds)):
            if kind == "hook":
                purpose = str(_pick(genre.hook_kinds(lang), "hook", n))
            elif kind == "turn":
                purpose = str(_pick(genre.turn_kinds(act, lang), "turn", n, i))
            else:
                purpose = genre.cliffhanger_kind(strength, lang)
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
            act_list.append(Act(name=act, first=n, last=n, purpose=genre.act_purpose(act, lang)))
    return Season(title=bible.title, language=language, logline=bible.logline, genre=bible.genre or
                  genre.label[1 if lang == "zh" else 0], tone=bible.tone,
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

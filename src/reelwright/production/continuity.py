"""Continuity: the story's days, costumes that hold for a story day, injuries that persist, and the check.

* **Story days** come from the scene headings and cues: "NEXT DAY", "THE NEXT MORNING", "THREE DAYS
  LATER", "第二天", "次日", "三天后" move the clock forward; "TWO DAYS EARLIER", "三天前" and flashback
  markers put one scene (or a bracketed run) before it; a day scene after a night scene is the next
  day; "LATER", "CONTINUOUS", "当晚" keep the day. The producer corrects ``story_day`` in
  ``breakdown.yaml``.
* **Costumes**: a character wears one costume per story day unless a scene marks ``change``.
* **Injuries** (a bruise, a torn sleeve) persist from the scene that shows them until a scene lists them
  under ``healed``.

:func:`check_breakdown` reports what breaks these rules, naming the scene and episode.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from reelwright.documents.breakdown import Breakdown, SceneBreakdown
from reelwright.production.vocabulary import number_word

__all__ = ["Cue", "read_cue", "story_days", "dress_cast", "persist_injuries", "check_breakdown", "Conflict",
           "story_order", "DAYLIGHT"]

DAYLIGHT = re.compile(r"\b(day|morning|dawn|sunrise|noon|afternoon)\b|日|白天|早|晨|上午|中午|下午|黎明", re.I)
_NIGHTISH = re.compile(r"night|evening|dusk|midnight|sunset|夜|晚|黄昏|傍晚|凌晨", re.I)

_UNIT = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30, "year": 365, "years": 365,
         "天": 1, "日": 1, "周": 7, "星期": 7, "个星期": 7, "礼拜": 7, "个礼拜": 7, "月": 30, "个月": 30, "年": 365}
_NUM_EN = r"(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|several|twenty|thirty)"
_NUM_ZH = r"([\d零〇一二两三四五六七八九十百几]+)"
_UNITS_ZH = r"(个星期|个礼拜|个月|星期|礼拜|天|日|周|月|年)"
_NEXT = re.compile(r"\b(?:the\s+)?(?:next|following)\s+(?:day|morning|afternoon|evening|night)\b|\bthe\s+morning"
                   r"\s+after\b|\bnext\s+day\b|第二天|次日|翌日|隔天|第二日|次晨", re.I)
_LATER = re.compile(rf"\b{_NUM_EN}\s+(days?|weeks?|months?|years?)\s+later\b|{_NUM_ZH}{_UNITS_ZH}(?:之后|以后|后)",
                    re.I)
_EARLIER = re.compile(rf"\b{_NUM_EN}\s+(days?|weeks?|months?|years?)\s+(?:earlier|before|ago)\b"
                      rf"|{_NUM_ZH}{_UNITS_ZH}(?:之前|以前|前)", re.I)
_SAME = re.compile(r"\b(?:moments?\s+later|later|continuous|same\s+(?:time|day)|that\s+(?:night|evening|"
                   r"afternoon)|meanwhile)\b|当晚|当天|同日|片刻后|稍后|与此同时|同一时间", re.I)
_FLASHBACK = re.compile(r"\bflash\s*back\b|闪回|回忆", re.I)
_PRESENT = re.compile(r"\b(?:back\s+to\s+(?:the\s+)?present|present\s+day|end\s+(?:of\s+)?flash\s*back)\b|"
                      r"回到现在|闪回结束|回忆结束", re.I)


@dataclass(frozen=True)
class Cue:
    """What one scene's heading and cues say about the story's clock."""

    forward: int | None = None  # days moved forward
    back: int | None = None  # a flashback this many days before the current day
    same: bool = False  # explicitly the same day (LATER, CONTINUOUS, 当晚)
    flashback: bool = False
    present: bool = False


def _count(m: re.Match) -> int:
    n = number_word(m.group(1) or m.group(3) or "1") or 1
    unit = (m.group(2) or m.group(4) or "day").lower()
    return n * _UNIT.get(unit, 1)


def read_cue(texts: list[str]) -> Cue:
    """The clock cue in a scene's heading and the short lines around it."""
    forward = back = None
    same = flashback = present = False
    for text in texts:
        if m := _EARLIER.search(text):
            back = _count(m)
        elif m := _LATER.search(text):
            forward = _count(m)
        elif _NEXT.search(text):
            forward = 1
        elif _SAME.search(text):
            same = True
        if _FLASHBACK.search(text) and not _PRESENT.search(text):
            flashback = True
        if _PRESENT.search(text):
            present = True
    return Cue(forward, back, same, flashback, present)


def story_days(scenes: list[tuple[Cue, str, bool]]) -> list[tuple[int, bool]]:
    """``[(story_day, flashback)]`` for scenes in script order, each given as ``(cue, time_of_day, bracketed)``
    where ``bracketed`` says the scene sits between flashback markers."""
    day, last_time = 1, ""
    out = []
    for cue, time, bracketed in scenes:
        if cue.back is not None:
            out.append((day - cue.back, True))
            continue
        if bracketed or (cue.flashback and not cue.present):
            out.append((0 if day > 0 else day - 1, True))  # before the story; the producer sets the day
            continue
        if cue.forward:
            day += cue.forward
        elif not cue.same and last_time and _NIGHTISH.search(last_time) and DAYLIGHT.search(time or "") \
                and not _NIGHTISH.search(time or ""):
            day += 1  # a day scene after a night scene: the next morning
        last_time = time or last_time
        out.append((day, False))
    return out


def story_order(scenes: list[SceneBreakdown]) -> list[SceneBreakdown]:
    """The scenes as the story lives them: by story day, then in script order."""
    index = {s.id: i for i, s in enumerate(scenes)}
    return sorted(scenes, key=lambda s: (s.story_day, index[s.id]))


def dress_cast(scenes: list[SceneBreakdown], named: dict[tuple[str, str], list[tuple[str, str | None]]],
               changes: set[tuple[str, str]]) -> None:
    """Give every cast entry its costume: one per character per story day, split where a scene changes it.

    ``named[(scene id, character)]`` are the garments the scene names for the character (with colours);
    ``changes`` the (scene id, character) pairs whose scene changes the costume. A costume is what is
    named in its stretch of scenes ("red sweater + jeans"); otherwise a numbered change ("change 2").
    """
    runs: dict[tuple[str, int], list[list[SceneBreakdown]]] = defaultdict(list)
    for sc in story_order(scenes):
        for c in sc.cast:
            key = (c.name, sc.story_day)
            if not runs[key] or (sc.id, c.name) in changes:
                runs[key].append([])
            runs[key][-1].append(sc)
    counter: dict[str, list[str]] = defaultdict(list)
    for (name, _day), stretches in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        for i, stretch in enumerate(stretches):
            garments: dict[str, str | None] = {}
            for sc in stretch:
                for g, colour in named.get((sc.id, name), []):
                    garments.setdefault(g, colour)
            if garments:
                label = " + ".join(garments)
                colour = next((c for c in garments.values() if c), None)
                wears = label.replace(" + ", " and ")
            else:
                label, colour, wears = "", None, ""
            if not label:
                label = f"change {len(counter[name]) + 1}"
            if label not in counter[name]:
                counter[name].append(label)
            for j, sc in enumerate(stretch):
                entry = sc.member(name)
                entry.costume, entry.wears, entry.colour = label, wears, colour
                entry.change = i > 0 and j == 0


def persist_injuries(scenes: list[SceneBreakdown], heals: set[tuple[str, str]] = frozenset()) -> None:
    """Carry each character's injuries forward in story order until a scene lists them as healed.

    ``heals`` holds (scene id, character) pairs whose scene says the character's injuries are over."""
    active: dict[str, list[str]] = defaultdict(list)
    for sc in story_order(scenes):
        for c in sc.cast:
            if (sc.id, c.name) in heals:
                c.healed = sorted({*c.healed, *(i for i in active[c.name] if i not in c.injuries)})
            for h in c.healed:
                if h in active[c.name]:
                    active[c.name].remove(h)
            carried = [i for i in active[c.name] if i not in c.injuries and i not in c.healed]
            c.injuries = carried + c.injuries
            for i in c.injuries:
                if i not in active[c.name]:
                    active[c.name].append(i)


@dataclass
class Conflict:
    kind: str  # costume, injury, story_day, night_day
    scene: str  # scene id
    episode: int
    source: str  # file:line of the scene heading
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.scene} (episode {self.episode}): {self.message}"


def _label(sc: SceneBreakdown) -> str:
    return f"{sc.id} (episode {sc.episode}, story day {sc.story_day})"


def check_breakdown(breakdown: Breakdown) -> list[Conflict]:
    """Costume, injury and story-day conflicts in ``breakdown`` (as the producer left it)."""
    out: list[Conflict] = []
    scenes = breakdown.scenes

    def add(kind: str, sc: SceneBreakdown, message: str) -> None:
        out.append(Conflict(kind, sc.id, sc.episode, sc.source, message))

    # costumes: one per character per story day unless a scene marks a change
    worn: dict[tuple[str, int], tuple[str, SceneBreakdown]] = {}
    for sc in story_order(scenes):
        for c in sc.cast:
            key = (c.name, sc.story_day)
            if key in worn and not c.change and c.costume != worn[key][0]:
                before, where = worn[key]
                add("costume", sc, f"{c.name} wears {c.costume!r} but wore {before!r} earlier on story day "
                    f"{sc.story_day} in {_label(where)}; mark 'change: true' on the scene that changes it, or "
                    "make the costumes the same")
                continue
            worn[key] = (c.costume, sc)
    # injuries persist until healed
    active: dict[str, dict[str, SceneBreakdown]] = defaultdict(dict)
    for sc in story_order(scenes):
        for c in sc.cast:
            for h in c.healed:
                active[c.name].pop(h, None)
            for injury, since in list(active[c.name].items()):
                if injury not in c.injuries:
                    add("injury", sc, f"{c.name}'s {injury!r} (shown since {_label(since)}) is missing; list it "
                        f"under injuries, or under healed where it ends")
                    active[c.name].pop(injury)
            for i in c.injuries:
                active[c.name].setdefault(i, sc)
    # the story's clock in script order
    prev: SceneBreakdown | None = None
    for sc in scenes:
        if sc.flashback:
            continue
        if prev is not None:
            if sc.story_day < prev.story_day:
                add("story_day", sc, f"story day goes back from {prev.story_day} ({prev.id}) to {sc.story_day} "
                    "without 'flashback: true'")
            elif sc.story_day == prev.story_day and prev.night and not sc.night and \
                    DAYLIGHT.search(sc.time_of_day) and not _NIGHTISH.search(sc.time_of_day):
                add("night_day", sc, f"a {sc.time_of_day} scene follows the night of {prev.id} on the same story "
                    f"day {sc.story_day}; is it the next day?")
        prev = sc
    return out


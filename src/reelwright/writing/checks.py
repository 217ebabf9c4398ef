"""What goes wrong with small models, found in a line or in a whole project's scripts.

The same rules serve two places: each answer the writer gets is checked
(:func:`line_problems`; a rejected answer is asked again with the reason), and
``reelwright write check`` reports them on any project's scripts, written by
reelwright or by hand (:func:`project_report`): people the premise names who
never speak, anachronisms with their line numbers, repeated lines, an
instruction or beat description copied into a line, speakers who are not in
the scene, fields cut off by a length limit, and a distinct-bigram measure of
the dialogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from reelwright.documents.base import load_document
from reelwright.documents.bible import Bible
from reelwright.documents.script import Action, Dialogue, Episode, SceneHeading, plain
from reelwright.documents.season import Season
from reelwright.errors import Problem
from reelwright.project.folder import Project
from reelwright.writing.continuity import check_continuity
from reelwright.writing.period import Period, anachronisms, is_garment, period_of
from reelwright.writing.source import extract_facts

__all__ = ["instruction_leak", "repeated", "distinct_bigram_ratio", "line_problems", "ScriptReport",
           "project_report", "looks_cut", "dangling", "DANGLING", "META_WORDS"]

_CJK = re.compile(r"[\u3400-\u9fff]")
META_WORDS = {
    "en": re.compile(r"\b(?:beat|beats|cliffhanger|reversal|the viewers?|this scene|this section|this episode|"
                     r"end (?:the|this|on) (?:beat|scene|section|episode|a)|cut before|the hook|plot twist|"
                     r"stage direction)\b", re.I),
    "zh": re.compile(r"本段|反转|结尾要|观众|悬念|钩子|本集|切断|戛然而止|这一段|这场戏|剧情|台词|舞台说明|镜头"),
}


def _key(text: str) -> str:
    return "".join(re.findall(r"[\w\u3400-\u9fff]+", text.casefold()))


def repeated(text: str, earlier) -> bool:
    """The same line again: equal once case and punctuation are ignored, or one long line contains the other."""
    key = _key(text)
    for other in earlier:
        o = _key(other)
        if key == o or (min(len(key), len(o)) >= 12 and (key in o or o in key)):
            return True
    return False


def _shingles(text: str, lang: str, n: int) -> set[tuple[str, ...]]:
    if lang == "zh" or _CJK.search(text):
        chars = [c for c in text if _CJK.match(c) or c.isalnum()]
        return {tuple(chars[i:i + n]) for i in range(len(chars) - n + 1)}
    words = re.findall(r"[a-z0-9']+", text.casefold())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def instruction_leak(text: str, instructions: list[str], lang: str) -> str | None:
    """Why ``text`` reads as an instruction copied into a character's mouth, else None."""
    lang = "zh" if lang == "zh" else "en"
    if m := META_WORDS[lang].search(text):
        return f"{m.group(0)!r} is a word of the instructions, not something a character says"
    n = 8 if lang == "zh" else 5
    mine = _shingles(text, lang, n)
    for ins in instructions:
        if ins and mine & _shingles(ins, lang, n):
            return "it copies the instructions (" + (ins[:40] + "…" if len(ins) > 40 else ins) + ")"
    return None


def bigrams(lines: list[str], lang: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for line in lines:
        if lang == "zh" or _CJK.search(line):
            units = [c for c in line if _CJK.match(c) or c.isalnum()]
        else:
            units = re.findall(r"[a-z0-9']+", line.casefold())
        out += list(zip(units, units[1:]))
    return out


def distinct_bigram_ratio(lines: list[str], lang: str) -> float:
    """Distinct bigrams over all bigrams of the dialogue (words in English, characters in Chinese); 1.0 = none
    repeated. Repetitive dialogue scores low."""
    grams = bigrams(lines, lang)
    return len(set(grams)) / len(grams) if grams else 0.0


# English words a sentence cannot end on: text that stops on one was cut, wherever the cut fell
DANGLING = frozenset("a an the of to from in into onto on at by for with without about and or but nor as than "
                     "that which who whom whose his her their its my your our because while if when where "
                     "whether".split())  # not "so": "I think so" is a whole line
_ENDS = (".", "!", "?", "。", "！", "？", "\"", "”", ")", "）")


def dangling(text: str) -> bool:
    """An English text that stops on a word that needs another after it ("…in a different world from")."""
    s = (text or "").rstrip()
    if not s or s.endswith(_ENDS) or not s[-1].isascii():
        return False
    last = s.rsplit(None, 1)[-1].strip(",;:—-").casefold()
    return last in DANGLING


def looks_cut(text: str, limit: int | None = None) -> bool:
    """Cut off: ends on an ellipsis where a sentence was cut (near the limit, when known), mid-word at exactly the
    limit, or (English) on a word that needs another after it, wherever the cut fell."""
    s = (text or "").rstrip()
    if not s:
        return False
    if s.endswith(("…", "...")):
        return limit is None or len(s) >= 0.7 * limit
    if dangling(s):
        return True
    return limit is not None and len(s) >= limit and not s.endswith(_ENDS)


def line_problems(text: str, *, lang: str, period: Period, earlier: list[str], instructions: list[str]) -> list[str]:
    """Everything wrong with one spoken line (an empty list when it is fine)."""
    out = []
    if repeated(text, earlier):
        out.append(f"{text!r} was already said; write a new line")
    if why := instruction_leak(text, instructions, lang):
        out.append(f"{text!r}: {why}; write what the character would say")
    out += [f"{text!r}: {p}" for p in anachronisms(text, period, lang)]
    return out


# ---- a whole project ----------------------------------------------------------------------------


@dataclass
class ScriptReport:
    """``write check``'s findings: problems by kind (each with file:line) and the measures."""

    problems: dict[str, list[Problem]] = field(default_factory=dict)
    named: list[str] = field(default_factory=list)  # people the premise names
    speaking: list[str] = field(default_factory=list)  # … of whom these speak
    lines: int = 0
    distinct_bigrams: float = 0.0
    period: str = ""

    KINDS = ("continuity", "unused", "anachronism", "repeated", "leak", "absent", "truncated", "wardrobe")
    LABELS = {"continuity": "continuity", "unused": "unused name", "anachronism": "anachronism",
              "repeated": "repeated line", "leak": "instruction leak", "absent": "not in the scene",
              "truncated": "cut off", "wardrobe": "not a garment"}

    def add(self, kind: str, path: str | None, line: int | None, message: str) -> None:
        self.problems.setdefault(kind, []).append(Problem(path, line, message))

    def count(self, kind: str) -> int:
        return len(self.problems.get(kind, []))

    def all(self) -> list[Problem]:
        return [p for kind in self.KINDS for p in self.problems.get(kind, [])]

    def summary(self) -> str:
        m = self.measures()
        counts = ", ".join(f"{self.count(k)} {self.LABELS[k]}" for k in self.KINDS if self.count(k))
        return (f"{m['dialogue_lines']} dialogue line(s), distinct-bigram ratio {m['distinct_bigram_ratio']:.2f}; "
                f"{m['named_speaking']} of {m['named']} people the premise names speak"
                + (f"; period {self.period}" if self.period else "") + (f"; {counts}" if counts else "; no problems"))

    def measures(self) -> dict[str, float | int]:
        return {"named": len(self.named), "named_speaking": len(self.speaking),
                "named_speaking_share": len(self.speaking) / len(self.named) if self.named else 1.0,
                "anachronisms": self.count("anachronism"), "instruction_leaks": self.count("leak"),
                "repeated_lines": self.count("repeated"), "truncated_fields": self.count("truncated"),
                "speakers_not_in_scene": self.count("absent"), "non_garments": self.count("wardrobe"),
                "dialogue_lines": self.lines, "distinct_bigram_ratio": round(self.distinct_bigrams, 3)}


def _names_match(name: str, speakers: set[str], bible: Bible) -> bool:
    """A premise's name is the speaker "Margaret Bell", an alias, or (for a hand-written cue) "MARGARET"."""
    c = bible.character(name)
    keys = {name.casefold()} | ({c.name.casefold(), *(a.casefold() for a in c.aliases)} if c else set())
    if " " in name and not re.match(r"(?:Mr|Mrs|Ms|Miss|Dr)\.?\s", name):
        keys.add(name.split()[0].casefold())
    return bool(keys & speakers)


def project_report(root: str | Path, *, premise: str | None = None) -> ScriptReport:
    """Check every script of the project at ``root`` (see the module doc); ``premise`` defaults to the season's."""
    root = Path(root)
    project = Project.load(root)
    bible = project.bible
    season = load_document(root / "season.yaml", Season) if (root / "season.yaml").exists() else None
    premise = premise if premise is not None else (season.premise if season else "")
    lang = "zh" if project.settings.project.language == "zh" else "en"
    period = period_of(premise)  # the premise's own period first; else what the bible says
    if period.present and bible.period:
        period = period_of(bible.period)
    report = ScriptReport(period=period.label)
    facts = extract_facts(premise, lang) if premise else None
    report.named = facts.names if facts else []
    spoken: set[str] = set()
    all_lines: list[str] = []
    episodes = {n: (src.episode, str(src.path)) for n, src in project.episodes.items()}
    for p in check_continuity(episodes, bible, season):
        report.problems.setdefault("continuity", []).append(p)
    for number in sorted(project.episodes):
        src = project.episodes[number]
        path = str(src.path)
        _check_episode(src.episode, path, bible, season, lang, period, report, spoken, all_lines)
    report.lines = len(all_lines)
    report.distinct_bigrams = distinct_bigram_ratio(all_lines, lang)
    for name in report.named:
        if _names_match(name, spoken, bible):
            report.speaking.append(name)
        else:
            report.add("unused", str(root / "bible.yaml"), None,
                       f"{name}, whom the premise names, never speaks in the scripts")
    bible_path = str(root / "bible.yaml")
    for what, text in (("title", bible.title), ("logline", bible.logline)):
        if looks_cut(text):
            report.add("truncated", bible_path, None, f"the {what} {text!r} is cut off")
    if season is not None:
        for e in season.episodes:
            for what, text in (("title", e.title), ("synopsis", e.synopsis), ("summary", e.summary),
                               *(("beat", b.text) for b in e.beats)):
                if looks_cut(text):
                    report.add("truncated", str(root / "season.yaml"), None,
                               f"episode {e.number}: the {what} {text!r} is cut off")
    for c in bible.characters:
        for text in [c.description, c.look.description, *c.goals, *c.secrets, *c.wardrobe]:
            if looks_cut(text):
                report.add("truncated", bible_path, None, f"{c.name}: {text!r} is cut off")
            for p in anachronisms(text, period, lang):
                report.add("anachronism", bible_path, None, f"{c.name}: {p}")
        for w in c.wardrobe:
            if not is_garment(w, lang):
                report.add("wardrobe", bible_path, None, f"{c.name}: wardrobe entry {w!r} is not something worn")
    for loc in bible.locations:
        for p in anachronisms(f"{loc.name} {loc.description}", period, lang):
            report.add("anachronism", bible_path, None, f"location {loc.name}: {p}")
    return report


def _check_episode(episode: Episode, path: str, bible: Bible, season: Season | None, lang: str, period: Period,
                   report: ScriptReport, spoken: set[str], all_lines: list[str]) -> None:
    plan = season.episode(episode.number) if season else None
    instructions = [b.purpose for b in plan.beats] if plan else []
    if season:
        instructions += [a.purpose for a in season.acts]
    planned_cast = {c.casefold() for c in plan.cast} if plan and plan.cast else None
    scene_cast: set[str] | None = None
    seen: list[str] = []
    limit = 32 if lang == "zh" else 90
    for el in episode.elements:
        if isinstance(el, SceneHeading):
            scene_cast = {c.casefold() for c in el.cast} if el.cast else None
            continue
        text = plain(getattr(el, "text", "") or "")
        if isinstance(el, Action):
            for p in anachronisms(text, period, lang):
                report.add("anachronism", path, el.line, f"episode {episode.number}: {p}")
            if looks_cut(text, 110 if lang == "en" else 36):
                report.add("truncated", path, el.line, f"episode {episode.number}: action {text!r} is cut off")
            continue
        if not isinstance(el, Dialogue):
            continue
        who = el.character
        c = bible.character(who)
        names = {who.casefold()} | ({c.name.casefold(), *(a.casefold() for a in c.aliases)} if c else set())
        spoken |= names
        all_lines.append(text)
        where = scene_cast if scene_cast is not None else planned_cast
        if where is not None and not names & where:
            report.add("absent", path, el.line, f"episode {episode.number}: {who} speaks but is not in the scene")
        if repeated(text, seen):
            report.add("repeated", path, el.line, f"episode {episode.number}: {who}: {text!r} was already said")
        seen.append(text)
        if why := instruction_leak(text, instructions, lang):
            report.add("leak", path, el.line, f"episode {episode.number}: {who}: {text!r}: {why}")
        for p in anachronisms(text, period, lang):
            report.add("anachronism", path, el.line, f"episode {episode.number}: {who}: {p}")
        if looks_cut(text, limit):
            report.add("truncated", path, el.line, f"episode {episode.number}: {who}: {text!r} is cut off")

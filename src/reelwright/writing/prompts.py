"""What the writer asks the model: messages, JSON schemas and the checks (with repairs) for each answer.

Every ask is an :class:`Ask`: chat messages, a flat schema (enums for speakers
and emotions, ``maxLength`` on every string) and a ``check`` that cleans the
answer, repairs what can be repaired in code and lists what cannot. A strong
remote model and a small local one get the same asks.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reelwright.documents.bible import Bible, Character
from reelwright.documents.season import Beat, EpisodePlan, Season
from reelwright.providers.text import array, enum, integer, obj, schema_errors, string

__all__ = ["Ask", "EMOTIONS", "GENRES", "TONES", "ask_chunk", "ask_series", "ask_character", "ask_places",
           "ask_outline", "ask_beat", "clean", "story_so_far", "NAMES", "FALLBACK_NAMES", "line_limit",
           "name_choices"]

EMOTIONS = {
    "en": ["neutral", "calm", "happy", "tender", "sad", "angry", "afraid", "surprised", "cold", "smug",
           "desperate", "determined"],
    "zh": ["平静", "开心", "温柔", "难过", "愤怒", "害怕", "震惊", "冷笑", "得意", "绝望", "坚定", "急切"],
}
NEUTRAL = {"neutral", "calm", "平静"}
GENRES = {
    "en": ["contract marriage", "rebirth and revenge", "hidden identity", "family drama", "workplace revenge",
           "period drama", "switched at birth", "underdog rises", "romance"],
    "zh": ["契约婚姻", "重生复仇", "隐藏身份", "家庭伦理", "职场逆袭", "年代剧", "真假千金", "赘婿逆袭", "甜宠"],
}
TONES = {
    "en": ["tense", "bittersweet", "romantic", "dark", "warm", "comic", "melodramatic"],
    "zh": ["紧张", "虐心", "甜宠", "暗黑", "温情", "爽快", "狗血"],
}
GENDERS = ["female", "male"]
NAMES = {  # the model picks a name from these (an enum): small models otherwise reuse taken names
    ("en", "female"): ["Maya", "Chloe", "Iris", "Nora", "Vivian", "Elena", "Ruby", "Clara", "Sienna", "Hazel",
                       "Ivy", "Lena", "Stella", "Naomi", "Audrey", "Jade", "Celeste", "Margot", "Tessa", "Vera"],
    ("en", "male"): ["Leo", "Adrian", "Ethan", "Victor", "Julian", "Marcus", "Owen", "Felix", "Damien", "Rhys",
                     "Silas", "Caleb", "Hugo", "Elliot", "Gideon", "Nathan", "Theo", "Lucas", "Roman", "Dorian"],
    ("zh", "female"): ["林晚", "苏念", "沈清", "许瑶", "江月", "叶青", "白露", "唐心", "温暖", "夏知", "宋雨",
                       "秦霜", "陈雪", "楚瑶", "姜宁", "安然", "顾念", "萧瑟", "柳如", "韩梅"],
    ("zh", "male"): ["顾言", "陆沉", "傅川", "秦朗", "周野", "萧然", "程远", "韩风", "沈砚", "霍霆", "江川",
                     "裴衍", "谢迟", "许默", "贺峥", "季深", "宋屿", "厉寒", "林森", "苏哲"],
}
FALLBACK_NAMES = NAMES
_ROLE_ZH = {"protagonist": "主角", "love interest": "男主/恋人", "antagonist": "反派", "ally": "盟友",
            "elder": "长辈"}
_PLACE_RE = {"en": re.compile(r"^[A-Z][A-Za-z ]{1,28}[A-Za-z]$"), "zh": re.compile(r"^[\u4e00-\u9fff]{2,8}$")}
_CJK = re.compile(r"[\u3400-\u9fff]")
_MARKUP = re.compile(r"[*_#~\[\]{}<>|`\\^@]|/\*|\*/")
_LABEL = re.compile(r"^\s*(?:\d+[.)]\s*)?(?:beat\s*\d+|hook|turn|cliffhanger)\b[^:：]{0,24}[:：]\s*", re.I)
_LEADING_PAREN = re.compile(r"^(?:\s*[（(][^）)]*[）)])+\s*")  # "(angrily) …" would read back as a parenthetical
_ENDS = (".", "!", "?", "。", "！", "？", "…", ")", "）")
_SPEAKER_PREFIX = re.compile(r"^\s*[\w\u3400-\u9fff .'-]{1,24}\s*[:：]\s*")

Check = Callable[[Any, bool], tuple[Any, list[str]]]


@dataclass
class Ask:
    """One question for the model: ``check(data, final)`` returns the cleaned answer and what is still wrong."""

    name: str
    messages: list[dict[str, str]]
    schema: dict
    check: Check
    max_tokens: int = 600
    notes: list[str] = field(default_factory=list)  # what a last-try repair had to accept (reported, not hidden)


def line_limit(lang: str) -> int:
    return 32 if lang == "zh" else 90


def clean(text: Any, limit: int | None = None, lang: str | None = None) -> str:
    """One line of plain text: no markup that a script format would read as structure, quotes and space folded.

    With ``lang="en"`` stray CJK characters (a small multilingual model's slips) are dropped.
    """
    s = str(text or "")
    if lang == "en":
        s = _CJK.sub("", s)
    s = _MARKUP.sub("", s)
    s = re.sub(r"\s+", " ", s).strip().strip("\"'“”‘’「」『』").strip()
    if limit is not None and (len(s) > limit or (len(s) >= limit - 2 and not s.endswith(_ENDS))):
        # cut off by the length limit (ours, or the grammar's mid-word): end on a whole sentence or word
        s = s[:limit]
        cut = max(s.rfind(e) for e in (". ", "! ", "? ", "。", "！", "？"))
        if cut >= len(s) // 2:
            s = s[:cut + 1]
        else:
            s = s[:limit - 1]
            if " " in s[len(s) // 2:]:
                s = s.rsplit(" ", 1)[0]
            s = s.rstrip(" ,;:-—，、") + "…"
    return s


def _system(lang: str) -> str:
    text = ("You write vertical micro-dramas for phone screens: 1-minute episodes, fast, emotional, every scene a "
            "conflict, plain spoken dialogue, no narration. Answer with a JSON object only.")
    if lang == "zh":
        text += " Write every text value in Simplified Chinese (简体中文), short-drama style."
    else:
        text += " Write every text value in English."
    return text


def _msgs(lang: str, user: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": _system(lang)}, {"role": "user", "content": user}]


def _with_schema(schema: dict, data: Any, errors: list[str]) -> list[str]:
    return schema_errors(data, schema) + errors


# ---- premise -----------------------------------------------------------------------------------


def ask_chunk(chunk: str, index: int, total: int, lang: str) -> Ask:
    schema = obj({
        "summary": string(400 if lang == "en" else 160),
        "characters": array(obj({"name": string(24), "gender": enum(GENDERS), "description": string(120)}), 0, 6),
    })
    user = (f"Part {index} of {total} of a story:\n\"\"\"\n{chunk}\n\"\"\"\n\n"
            "Summarise what happens in this part in two or three sentences, and list the named characters in it "
            "(name as written, gender, one-line description).")

    def check(data: Any, final: bool) -> tuple[Any, list[str]]:
        errors = schema_errors(data, schema)
        if errors and isinstance(data, dict) and isinstance(data.get("summary"), str):
            chars = [c for c in data.get("characters") or [] if isinstance(c, dict) and not schema_errors(
                c, schema["properties"]["characters"]["items"])]
            data = {"summary": clean(data["summary"], schema["properties"]["summary"]["maxLength"], lang),
                    "characters": chars[:6]}
            errors = schema_errors(data, schema)
        return data, errors

    return Ask("chunk", _msgs(lang, user), schema, check, max_tokens=400)


def ask_series(premise: str, lang: str) -> Ask:
    schema = obj({
        "title": string(40 if lang == "en" else 16),
        "logline": string(200 if lang == "en" else 80),
        "genre": enum(GENRES[lang]),
        "tone": enum(TONES[lang]),
        "period": string(40 if lang == "en" else 16),
        "dialect": string(40 if lang == "en" else 16, min_length=0),
    })
    user = (f"Premise:\n{premise}\n\nCreate the series: a short catchy title, a one-sentence logline (who wants "
            "what, against whom), the genre, the tone, the period it is set in, and a dialect if the characters "
            "speak one (else empty).")

    def check(data: Any, final: bool) -> tuple[Any, list[str]]:
        if isinstance(data, dict):
            props = schema["properties"]
            for key in ("title", "logline", "period", "dialect"):
                if isinstance(data.get(key), str):
                    data[key] = clean(data[key], props[key]["maxLength"], lang)
        return data, schema_errors(data, schema)

    return Ask("series", _msgs(lang, user), schema, check, max_tokens=300)


def name_choices(lang: str, gender: str, taken: list[str], seed: object = "", count: int = 12) -> list[str]:
    """Names the model may choose from: fitting the language and gender, none sharing a taken name's first word."""
    used = {t.casefold() for t in taken} | {t.split()[0].casefold() for t in taken if t.split()}
    pool = [n for n in NAMES[(lang, gender if gender in GENDERS else "female")] if n.casefold() not in used]
    key = hashlib.sha256(f"{seed}{gender}{len(taken)}".encode()).digest()
    start = key[0] % len(pool) if pool else 0
    return (pool[start:] + pool[:start])[:count] or [f"{gender.title()} {len(taken) + 1}"]


def ask_character(premise: str, series: dict, role: str, gender: str, taken: list[str], lang: str,
                  fixed_name: str | None = None, hint: str = "", seed: object = "") -> Ask:
    names = [fixed_name] if fixed_name else name_choices(lang, gender, taken, seed)
    schema = obj({
        "name": enum(names),
        "age": integer(16, 80),
        "description": string(140 if lang == "en" else 50),
        "look": string(140 if lang == "en" else 50),
        "goal": string(100 if lang == "en" else 40),
        "secret": string(100 if lang == "en" else 40),
        "wardrobe": array(string(40 if lang == "en" else 16), 1, 3),
    })
    role_text = role if lang == "en" else f"{role}（{_ROLE_ZH.get(role, role)}）"
    taken_text = ", ".join(taken) if taken else "none yet"
    user = (f"Series: {series.get('title', '')}. {series.get('logline', '')}\nGenre: {series.get('genre', '')}. "
            f"Period: {series.get('period', '')}.\nPremise: {premise}\nCharacters so far: {taken_text}.\n\n"
            f"Create the {role_text} ({gender}). Name: "
            + (fixed_name if fixed_name else f"choose one of {', '.join(names)}")
            + ". Give their age, a one-line description, how they look, what they want (goal), what they hide "
            "(secret), and 1-3 outfits they wear."
            + (f"\nWhat the source says about them: {hint}" if hint else ""))

    def check(data: Any, final: bool) -> tuple[Any, list[str]]:
        if not isinstance(data, dict):
            return data, schema_errors(data, schema)
        props = schema["properties"]
        for key in ("description", "look", "goal", "secret"):
            if isinstance(data.get(key), str):
                data[key] = clean(data[key], props[key]["maxLength"], lang)
        if isinstance(data.get("wardrobe"), list):
            data["wardrobe"] = list(dict.fromkeys(
                clean(w, props["wardrobe"]["items"]["maxLength"], lang) for w in data["wardrobe"]
                if isinstance(w, str) and clean(w, None, lang)))[:3]
        if isinstance(data.get("name"), str) and data["name"] not in names:
            match = [n for n in names if n.casefold() == data["name"].strip().casefold()]
            if match:
                data["name"] = match[0]
        return data, schema_errors(data, schema)

    return Ask(f"character:{role}", _msgs(lang, user), schema, check, max_tokens=400)


def ask_places(premise: str, series: dict, people: list[Character], lang: str) -> Ask:
    place = obj({"name": string(30 if lang == "en" else 8, min_length=2), "interior": {"type": "boolean"},
                 "description": string(100 if lang == "en" else 40)})
    prop = obj({"name": string(30 if lang == "en" else 8, min_length=2), "description": string(100 if lang == "en"
                                                                                               else 40)})
    schema = obj({"locations": array(place, 3, 5), "props": array(prop, 1, 3)})
    names = ", ".join(f"{c.name} ({c.role})" for c in people)
    rule = ("names of 2-4 plain words, letters only, e.g. 'Hotel Lobby'" if lang == "en"
            else "names of 2-6 Chinese characters, e.g. 客厅, 豪宅书房")
    secrets = "; ".join(f"{c.name}: {c.secrets[0]}" for c in people if c.secrets)
    user = (f"Series: {series.get('title', '')}. {series.get('logline', '')}\nPeriod: {series.get('period', '')}."
            f"\nCharacters: {names}.\nSecrets: {secrets}\n\nList 3-5 locations where the drama happens ({rule}; "
            "interior true or false) and 1-3 important props (an object tied to a secret or a turn).")
    pattern = _PLACE_RE[lang]

    def fix(name: Any) -> str:
        if not isinstance(name, str):
            return ""
        if lang == "en":
            words, out = re.sub(r"[^A-Za-z ]", " ", name).title().split(), []
            for w in words:
                if len(" ".join([*out, w])) > 28:
                    break
                out.append(w)
            return " ".join(out)
        return re.sub(r"[^\u4e00-\u9fff]", "", name)[:8]

    def check(data: Any, final: bool) -> tuple[Any, list[str]]:
        errors: list[str] = []
        if not isinstance(data, dict):
            return data, schema_errors(data, schema)
        for key in ("locations", "props"):
            items = data.get(key)
            if not isinstance(items, list):
                continue
            seen: set[str] = set()
            kept = []
            for item in items:
                if not isinstance(item, dict):
                    continue
                item["name"] = fix(item.get("name"))
                item["description"] = clean(item.get("description"), 100 if lang == "en" else 40, lang)
                if key == "locations" and not pattern.match(item["name"]):
                    if not final:
                        errors.append(f"$.{key}: {item['name']!r} is not a usable location name ({rule})")
                    continue
                if not item["name"] or item["name"].casefold() in seen:
                    continue
                seen.add(item["name"].casefold())
                kept.append(item)
            data[key] = kept
        return data, _with_schema(schema, data, errors)

    return Ask("places", _msgs(lang, user), schema, check, max_tokens=500)


# ---- episodes ----------------------------------------------------------------------------------


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


def _people(bible: Bible, names: list[str], lang: str, brief: bool = False) -> str:
    lines = []
    for name in names:
        c = bible.character(name)
        if c is None:
            continue
        bits = [f"{c.role or 'character'}", c.gender or "", f"{c.age}" if c.age else ""]
        head = f"- {c.name} ({', '.join(b for b in bits if b)})"
        body = [] if brief else [c.description]
        if c.goals:
            body.append(f"wants: {c.goals[0]}")
        if c.secrets:
            body.append(f"hides: {c.secrets[0]}")
        rel = [f"{other} is their {what}" for other, what in c.relationships.items() if other in names]
        if rel:
            body.append("; ".join(rel))
        lines.append(head + ": " + ". ".join(b for b in body if b))
    return "\n".join(lines)


def story_so_far(season: Season, number: int, budget: int = 900) -> str:
    """What happened before episode ``number``: the latest summaries in full, older ones as they fit."""
    parts: list[str] = []
    used = 0
    for ep in sorted((e for e in season.episodes if e.number < number), key=lambda e: -e.number):
        text = ep.summary or ep.synopsis
        if not text:
            continue
        entry = f"Ep {ep.number}: {text}"
        if used + len(entry) > budget:
            break
        parts.append(entry)
        used += len(entry)
    return "\n".join(reversed(parts)) or "(this is the first episode)"


def _context(bible: Bible, season: Season, plan: EpisodePlan, lang: str, brief: bool = False) -> str:
    act = next((a for a in season.acts if a.first <= plan.number <= a.last), None)
    pay = " This episode ends just before the paywall: its cliffhanger must be the strongest yet." \
        if plan.paywall else ""
    return (f"Series: {bible.title}. {bible.logline}\nGenre: {bible.genre}. Tone: {bible.tone}. "
            f"Period: {bible.period}.{' Dialect: ' + bible.dialect + '.' if bible.dialect else ''}\n"
            f"Characters in this episode:\n{_people(bible, plan.cast, lang, brief)}\n"
            f"Story so far:\n{story_so_far(season, plan.number, 500 if brief else 900)}\n"
            f"Episode {plan.number} of {season.episode_count}, act: {plan.act}"
            f"{' (' + act.purpose + ')' if act and act.purpose else ''}.{pay}")


def ask_outline(bible: Bible, season: Season, plan: EpisodePlan, lang: str) -> Ask:
    limit = 140 if lang == "en" else 50
    schema = obj({
        "title": string(40 if lang == "en" else 12),
        "synopsis": string(220 if lang == "en" else 80),
        "beats": array(obj({"text": string(limit)}), len(plan.beats), len(plan.beats)),
    })
    beats = "\n".join(f"{i + 1}. {b.kind} ({b.start}-{b.end} s): {b.purpose}" for i, b in enumerate(plan.beats))
    user = (f"{_context(bible, season, plan, lang, brief=True)}\nLocation: {plan.location}.\n\nOutline this "
            f"episode: a short "
            f"title, a synopsis of one or two sentences, and for each of these {len(plan.beats)} beats one "
            f"sentence saying what happens (who does what to whom):\n{beats}")

    def check(data: Any, final: bool) -> tuple[Any, list[str]]:
        if isinstance(data, dict):
            for key in ("title", "synopsis"):
                if isinstance(data.get(key), str):
                    data[key] = clean(data[key], schema["properties"][key]["maxLength"], lang)
            if isinstance(data.get("beats"), list):
                data["beats"] = [{"text": clean(_LABEL.sub("", str(b.get("text") or "")), limit, lang)}
                                 if isinstance(b, dict) else b for b in data["beats"]]
        return data, schema_errors(data, schema)

    return Ask(f"outline:{plan.number}", _msgs(lang, user), schema, check, max_tokens=500)


def ask_beat(bible: Bible, season: Season, plan: EpisodePlan, index: int, lines: int, previous: list[str],
             seen: set[str], lang: str) -> Ask:
    beat: Beat = plan.beats[index]
    speakers = [s for s in beat.speakers if bible.character(s)] or plan.cast
    limit = line_limit(lang)
    lo, hi = (1, 1) if beat.kind == "hook" else (max(1, lines - 1), lines + 1)
    schema = obj({
        "action": string(110 if lang == "en" else 36),
        "lines": array(obj({"speaker": enum(speakers), "emotion": enum(EMOTIONS[lang]), "text": string(limit)}),
                       lo, hi),
        "event": string(110 if lang == "en" else 40),
    })
    shape = {"hook": "One striking visual action and ONE short line that grabs the viewer at once.",
             "turn": f"One action line, then {lines} lines of dialogue; the last one is a reversal.",
             "cliffhanger": f"One action line, then {lines} lines; the very last line is the cliffhanger, cut "
                            "before anyone can react."}[beat.kind]
    length = ("Each line at most 15 words, spoken, no stage directions." if lang == "en"
              else "每句台词不超过20个字，口语化，不要舞台说明。")
    # the whole episode so far (it only grows, so llama.cpp reuses the cached prompt prefix from the last beat)
    so_far = "\n".join(previous[-16:]) or "(the episode starts here)"
    user = (f"{_context(bible, season, plan, lang, brief=True)}\nEpisode {plan.number}: {plan.title}. "
            f"{plan.synopsis}\n"
            f"Lines already spoken in this episode (never repeat them):\n{so_far}\n\n"
            f"Write beat {index + 1} of {len(plan.beats)}, the {beat.kind} ({beat.start}-{beat.end} s): "
            f"{beat.purpose}.\nWhat happens: {beat.text or beat.purpose}\n{shape} {length} Speakers: "
            f"{', '.join(speakers)}. Also say in one sentence what happened (event).")
    names = {c.name.casefold() for c in bible.characters} | {c.name.split()[0].casefold() for c in bible.characters}

    def check(data: Any, final: bool) -> tuple[Any, list[str]]:
        errors: list[str] = []
        if not isinstance(data, dict):
            return data, schema_errors(data, schema)
        data["action"] = clean(data.get("action"), schema["properties"]["action"]["maxLength"], lang)
        data["event"] = clean(data.get("event"), schema["properties"]["event"]["maxLength"], lang)
        kept = []
        dropped = []
        repeats = []
        for i, line in enumerate(data.get("lines") or []):
            if not isinstance(line, dict):
                continue
            text = clean(line.get("text"), None, lang)
            m = _SPEAKER_PREFIX.match(text)
            if m and m.group(0).split(":")[0].split("：")[0].strip().casefold() in names:
                text = text[m.end():]
            text = clean(_LEADING_PAREN.sub("", text), limit, lang)
            line["text"] = text
            if lang == "zh" and len(_CJK.findall(text)) < 2:
                dropped.append(f"$.lines[{i}].text: write a spoken line in Chinese")
            elif lang == "en" and len(re.findall(r"[A-Za-z]+", text)) < 2:
                dropped.append(f"$.lines[{i}].text: write a spoken line in English, at least two words")
            elif repeated(text, [*seen, *(k["text"] for k in kept)]):
                dropped.append(f"$.lines[{i}].text: {text!r} was already said; write a new line")
                repeats.append(line)
            else:
                kept.append(line)
        if final and not kept and repeats:  # last try and nothing new: a repeated line, reported, beats no beat
            kept = repeats[:1]
            dropped = []
            this.notes.append(f"{this.name}: the model repeated an earlier line: {repeats[0]['text']!r}")
        # a repeated or unusable line is dropped; only an answer with no usable line fails (the next beats get
        # more lines when the episode runs short, so the length still comes out near the target)
        if dropped and not kept:
            errors += dropped
        data["lines"] = kept
        if lang == "zh" and data["action"] and not _CJK.search(data["action"]):
            if final:
                data["action"] = ""
            else:
                errors.append("$.action: write it in Chinese")
        problems = _with_schema(schema, data, errors)
        if kept:  # fewer lines than asked is a repair, not a failure
            problems = [p for p in problems if not (p.startswith("$.lines:") and "at least" in p)]
        if final and kept:  # last try: no action line is better than no beat
            problems = [p for p in problems if not (p.startswith("$.action:") and "too short" in p)]
        return data, problems

    this = Ask(f"beat:{plan.number}:{index + 1}", _msgs(lang, user), schema, check,
               max_tokens=140 + hi * (50 if lang == "en" else 55))
    return this

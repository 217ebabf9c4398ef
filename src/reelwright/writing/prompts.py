"""What the writer asks the model: messages, JSON schemas and the checks (with repairs and fallbacks) for each answer.

Every ask is an :class:`Ask`: chat messages, a flat schema (enums for speakers
and emotions, a hard ``maxLength`` well above the length the prompt asks for)
and a ``check`` that cleans the answer, repairs what code can repair and lists
what it cannot. An over-long field is never cut with "…": the answer is asked
again, shorter. Lines are checked for instructions copied into a character's
mouth, repeats, speakers outside the scene and anachronisms against the
period; wardrobe for things that are not worn. When every try fails, an ask
with a ``fallback`` gives a plain answer that is still in character. A strong
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
from reelwright.writing.checks import dangling, instruction_leak, repeated
from reelwright.writing.genre import Genre
from reelwright.writing.period import Period, anachronisms, dialect_words, era_details, is_garment, period_of
from reelwright.writing.source import Person

__all__ = ["Ask", "EMOTIONS", "NEUTRAL", "ask_chunk", "ask_series", "ask_people", "ask_character", "ask_places",
           "ask_outline", "ask_beat", "clean", "story_so_far", "NAMES", "FALLBACK_NAMES", "line_limit",
           "name_choices", "repeated", "fallback_line"]

EMOTIONS = {
    "en": ["neutral", "calm", "happy", "tender", "sad", "angry", "afraid", "surprised", "cold", "smug",
           "desperate", "determined"],
    "zh": ["平静", "开心", "温柔", "难过", "愤怒", "害怕", "震惊", "冷笑", "得意", "绝望", "坚定", "急切"],
}
NEUTRAL = {"neutral", "calm", "平静"}
GENDERS = ["female", "male"]
NAMES = {  # invented characters' names are chosen from these (an enum): small models otherwise reuse taken names
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
_PLACE_RE = {"en": re.compile(r"^[A-Z][A-Za-z ]{1,28}[A-Za-z]$"), "zh": re.compile(r"^[\u4e00-\u9fff]{2,8}$")}
_CJK = re.compile(r"[\u3400-\u9fff]")
_MARKUP = re.compile(r"[*_#~\[\]{}<>|`\\^@]|/\*|\*/")
_LABEL = re.compile(r"^\s*(?:\d+[.)]\s*)?(?:beat\s*\d+|hook|turn|cliffhanger)\b[^:：]{0,24}[:：]\s*", re.I)
_LEADING_PAREN = re.compile(r"^(?:\s*[（(][^）)]*[）)])+\s*")  # "(angrily) …" would read back as a parenthetical
_ENDS = (".", "!", "?", "。", "！", "？", "…", ")", "）")
_SPEAKER_PREFIX = re.compile(r"^\s*[\w\u3400-\u9fff .'-]{1,24}\s*[:：]\s*")
# a sentence's end: not the dot of "Mr. Patel", "Dr. Li", "St. Mary's" or an initial ("J. Smith")
_SENTENCE_END = re.compile(r"(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bJr)(?<!\bSr)(?<!\bvs)(?<!\bProf)"
                           r"(?<!\b[A-Z])[.!?。！？](?=\s|$)")

Check = Callable[[Any, bool], tuple[Any, list[str]]]


@dataclass
class Ask:
    """One question for the model: ``check(data, final)`` returns the cleaned answer and what is still wrong;
    ``fallback(problems)`` (optional) gives a plain answer when every try was rejected."""

    name: str
    messages: list[dict[str, str]]
    schema: dict
    check: Check
    max_tokens: int = 600
    notes: list[str] = field(default_factory=list)  # what a last-try repair had to accept (reported, not hidden)
    fallback: Callable[[list[str]], Any] | None = None


def line_limit(lang: str) -> int:
    """Characters a spoken line may have (the prompt asks for fewer words than this allows)."""
    return 32 if lang == "zh" else 90


def clean(text: Any, limit: int | None = None, lang: str | None = None) -> str:
    """One line of plain text: no markup that a script format would read as structure, quotes and space folded.

    With ``lang="en"`` stray CJK characters (a small multilingual model's slips) are dropped. With ``limit``, a
    longer text keeps its whole sentences that fit, else its whole words; it never ends on a made-up "…".
    """
    s = str(text or "")
    if lang == "en":
        s = _CJK.sub("", s)
    s = _MARKUP.sub("", s)
    s = re.sub(r"\s+", " ", s).strip().strip("\"'“”‘’「」『』").strip()
    if limit is not None and len(s) > limit:
        return _shorten(s, limit)
    return s


def whole_sentences(s: str, limit: int) -> str:
    """The longest run of ``s``'s whole sentences, from its start, within ``limit`` characters ("" if none)."""
    ends = [m.end() for m in _SENTENCE_END.finditer(s) if m.end() <= limit]
    return s[:ends[-1]].strip() if ends else ""


def _shorten(s: str, limit: int, stretch: float = 1.0) -> str:
    """The longest run of whole sentences within ``limit``; else the first sentence, whole, when it fits in
    ``stretch`` × ``limit`` (a long action line reads better than a broken one); else whole clauses; else whole
    words, never ending on one that needs another after it ("…grown up in a different world from")."""
    if whole := whole_sentences(s, limit):
        return whole
    first = _SENTENCE_END.search(s)
    if first is not None and first.end() <= stretch * limit:
        return s[:first.end()].strip()
    clauses = [m.start() for m in re.finditer(r"[，,：:；;、—]", s) if 0 < m.start() <= limit]
    if clauses and clauses[-1] >= limit // 3:  # "王秀芬的面馆：一家人的秘密" → "王秀芬的面馆", not "…的秘"
        return _drop_dangling(s[:clauses[-1]].strip())
    cut = s[:limit]
    if " " in cut[len(cut) // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return _drop_dangling(cut.rstrip(" ,;:-—，、"))


def _drop_dangling(s: str) -> str:
    while dangling(s) and " " in s:
        s = s.rsplit(" ", 1)[0].rstrip(" ,;:-—")
    return s


def _fit(data: dict, key: str, limit: int, lang: str, final: bool, errors: list[str], unit: str = "") -> None:
    """Clean ``data[key]``; over ``limit`` it keeps its first whole sentences when they say enough (half the
    limit or more), else it is rejected (asked again, shorter) until the last try, which keeps its whole
    sentences."""
    text = clean(data.get(key), None, lang)
    if len(text) > limit:
        whole = whole_sentences(text, limit)
        if len(whole) >= limit // 2:  # a repair, not a cut: what is kept reads as written
            text = whole
        elif final:  # a title must fit where it is shown; a sentence of prose may run long rather than break
            text = _shorten(text, limit, 1.0 if key == "title" else 2.0)
        else:
            errors.append(f"$.{key}: {len(text)} characters is too long; say it in at most {limit} characters"
                          + (f" ({unit})" if unit else "") + ", a whole sentence, nothing cut off")
    data[key] = text


def _words(limit: int, lang: str) -> str:
    return f"{limit}个字以内" if lang == "zh" else f"at most {max(4, limit // 6)} words"


def _system(lang: str, genre: Genre | None = None) -> str:
    tone = ""
    if genre is not None:
        tone = {"life": " Grounded and warm: everyday conflicts, small reversals of feeling, no villains or "
                        "melodrama.",
                "romance": " Romantic tension, banter and misunderstandings.",
                "revenge": " Fast and sharp: conflict in every scene, reversals, satisfying comebacks.",
                "suspense": " Tense and precise: clues, lies, questions.",
                "comedy": " Light and funny: mix-ups and quick comebacks.",
                "historical": " Period language, intrigue and emotion."}.get(genre.key, "")
    text = ("You write vertical short dramas for phone screens: 1-minute episodes, plain spoken dialogue, no "
            "narration." + tone + " Answer with a JSON object only.")
    if lang == "zh":
        text += " Write every text value in Simplified Chinese (简体中文)."
    else:
        text += " Write every text value in English."
    return text


def _msgs(lang: str, user: str, genre: Genre | None = None) -> list[dict[str, str]]:
    return [{"role": "system", "content": _system(lang, genre)}, {"role": "user", "content": user}]


def _with_schema(schema: dict, data: Any, errors: list[str]) -> list[str]:
    return schema_errors(data, schema) + errors


def _period_rule(period: Period, lang: str) -> str:
    """What the prompts say about the period: only its own things, with examples of them (named positively: a
    small model told "no WeChat" writes WeChat)."""
    if period.present:
        return ""
    d = era_details(period, lang)
    if lang == "zh":
        return (f"故事发生在{period.label}：只写那个年代有的东西、职业和衣着（不要现代科技和现代职业）。"
                f"那时的职业如{'、'.join(d['jobs'][:5])}；常见物件如{'、'.join(d['props'][:5])}；"
                f"衣着如{'、'.join(d['wardrobe'][:4])}。")
    return (f"The story is set in {period.label}: only things, jobs and clothes of that time (no modern "
            f"technology, no modern job titles). Jobs then: {', '.join(d['jobs'][:5])}; things people had: "
            f"{', '.join(d['props'][:5])}; clothes: {', '.join(d['wardrobe'][:4])}.")


def _dialect_rule(dialect: str, lang: str) -> str:
    words = dialect_words(dialect)
    if not words:
        return ""
    if lang == "zh":
        return f"人物说{dialect}：台词在自然的地方用{dialect}常用词（如{'、'.join(words[:6])}）。"
    return f"The characters speak {dialect}: use its common words where natural ({', '.join(words[:6])})."


def _anachronism_errors(data: dict, keys: list[str], period: Period, lang: str) -> list[str]:
    out = []
    for key in keys:
        value = data.get(key)
        texts = value if isinstance(value, list) else [value]
        for t in texts:
            if isinstance(t, str):
                out += [f"$.{key}: {p}" for p in anachronisms(t, period, lang)]
    return out


# ---- premise -----------------------------------------------------------------------------------


def ask_chunk(chunk: str, index: int, total: int, lang: str, known: list[str] | None = None) -> Ask:
    schema = obj({
        "summary": string(600 if lang == "en" else 240),
        "characters": array(obj({"name": string(24), "gender": enum(GENDERS), "description": string(160)}), 0, 6),
    })
    summary_limit = 400 if lang == "en" else 160
    people = ("\nPeople named so far (keep exactly these names for them): " + ", ".join(known)) if known else ""
    user = (f"Part {index} of {total} of a story:\n\"\"\"\n{chunk}\n\"\"\"{people}\n\n"
            f"Summarise what happens in this part in two or three sentences ({_words(summary_limit, lang)}), and "
            "list the named characters in it (name exactly as written in the text, gender, one-line description).")

    def check(data: Any, final: bool) -> tuple[Any, list[str]]:
        errors: list[str] = []
        if not isinstance(data, dict) or not isinstance(data.get("summary"), str):
            return data, schema_errors(data, schema)
        chars = [c for c in data.get("characters") or [] if isinstance(c, dict) and not schema_errors(
            c, schema["properties"]["characters"]["items"])]
        kept = []
        for c in chars:  # a name the text does not contain is the model's invention: dropped
            c["name"] = clean(c["name"], 24)
            c["description"] = clean(c["description"], 120, lang)
            if c["name"] and c["name"] in chunk:
                kept.append(c)
        data["characters"] = kept[:6]
        _fit(data, "summary", summary_limit, lang, final, errors)
        return data, _with_schema(schema, data, errors)

    return Ask("chunk", _msgs(lang, user), schema, check, max_tokens=500)


def ask_people(text: str, lang: str) -> Ask:
    """The people a premise names, for what patterns could not read (a name in an unusual form, a gender)."""
    schema = obj({"people": array(obj({"name": string(24), "gender": enum(GENDERS), "age": integer(0, 110),
                                       "job": string(30)}), 0, 8)})
    user = (f"Premise:\n\"\"\"\n{text}\n\"\"\"\n\nList every person this premise names, with the name exactly as "
            "written, their gender, their age (0 when not stated) and their job as written (empty when not "
            "stated). Only people named in the text; invent nobody.")

    def check(data: Any, final: bool) -> tuple[Any, list[str]]:
        if isinstance(data, dict) and isinstance(data.get("people"), list):
            data["people"] = [p for p in data["people"] if isinstance(p, dict)]
        return data, schema_errors(data, schema)

    return Ask("people", _msgs(lang, user), schema, check, max_tokens=400,
               fallback=lambda problems: {"people": []})


def ask_series(premise: str, lang: str, genre: Genre, lead: str = "") -> Ask:
    title_limit, log_limit = (40, 200) if lang == "en" else (16, 80)
    schema = obj({"title": string(title_limit * 2), "logline": string(log_limit * 2)})
    user = (f"Premise:\n{premise}\n\nGenre: {genre.label[1 if lang == 'zh' else 0]}.\nGive the series a short "
            f"title ({_words(title_limit, lang)}) and a one-sentence logline ({_words(log_limit, lang)}): who wants "
            "what" + (f" (the lead is {lead})" if lead else "") + ", told as the premise tells it.")

    def check(data: Any, final: bool) -> tuple[Any, list[str]]:
        errors: list[str] = []
        if not isinstance(data, dict):
            return data, schema_errors(data, schema)
        _fit(data, "title", title_limit, lang, final, errors)
        _fit(data, "logline", log_limit, lang, final, errors)
        return data, _with_schema(schema, data, errors)

    first = re.split(r"(?<=[.!?。！？])\s*", premise.strip())[0]
    return Ask("series", _msgs(lang, user, genre), schema, check, max_tokens=300,
               fallback=lambda problems: {"title": _shorten(first, title_limit) or "Untitled",
                                          "logline": _shorten(first, log_limit)})


def name_choices(lang: str, gender: str, taken: list[str], seed: object = "", count: int = 12) -> list[str]:
    """Names the model may choose from: fitting the language and gender, none sharing a taken name's first word."""
    used = {t.casefold() for t in taken} | {t.split()[0].casefold() for t in taken if t.split()}
    pool = [n for n in NAMES[(lang, gender if gender in GENDERS else "female")] if n.casefold() not in used]
    key = hashlib.sha256(f"{seed}{gender}{len(taken)}".encode()).digest()
    start = key[0] % len(pool) if pool else 0
    return (pool[start:] + pool[:start])[:count] or [f"{gender.title()} {len(taken) + 1}"]


def _relations_text(person: Person | None, lang: str) -> str:
    if person is None or not person.relations:
        return ""
    if lang == "zh":
        return "；".join(f"{other}是{person.name}的{word}" for other, word in person.relations.items())
    return "; ".join(f"{other} is {person.name}'s {word}" for other, word in person.relations.items())


def ask_character(premise: str, series: dict, role: str, gender: str, taken: list[str], lang: str, *,
                  genre: Genre, period: Period, person: Person | None = None, hint: str = "",
                  seed: object = "") -> Ask:
    """A character: the source's person (name, age, job and relations fixed as the source states them) or, for a
    role the source leaves open, an invented one."""
    names = [person.name] if person else name_choices(lang, gender, taken, seed)
    limits = {"description": 140, "look": 140, "goal": 100, "job": 30, "wardrobe": 40} if lang == "en" else \
        {"description": 50, "look": 50, "goal": 40, "job": 10, "wardrobe": 16}
    props = {"name": enum(names)}
    if not (person and person.age):  # what the source states is not asked again
        props["age"] = integer(6, 90)
    props.update({"description": string(limits["description"] * 2), "look": string(limits["look"] * 2),
                  "goal": string(limits["goal"] * 2)})
    child = bool(person and person.age and person.age < 16)
    if not (person and person.job) and not child:
        props["job"] = string(limits["job"] * 2)
    if genre.tropes:
        props["secret"] = string(limits["goal"] * 2)
    props["wardrobe"] = array(string(limits["wardrobe"] * 2), 1, 3)
    schema = obj(props)
    d = era_details(period, lang)
    facts = []
    if person:
        facts.append(f"Name: {person.name}" + (f", age {person.age}" if person.age else "")
                     + (f", job: {person.job}" if person.job else "") + ".")
        if rel := _relations_text(person, lang):
            facts.append(f"Relations: {rel}.")
    role_text = role
    asked = ["their age" if not (person and person.age) else "", "a one-line description",
             "how they look", "what they want (goal)",
             "their job" if "job" in props else "", "what they hide (secret)" if genre.tropes else "",
             "1-3 garments they wear (clothes only, e.g. " + (
                 ", ".join(d["wardrobe"][:2]) if d["wardrobe"] else ("a grey wool coat" if lang == "en"
                                                                      else "灰色呢子大衣")) + ")"]
    user = (f"Series: {series.get('title', '')}. {series.get('logline', '')}\nGenre: "
            f"{genre.label[1 if lang == 'zh' else 0]}. {_period_rule(period, lang)}\nPremise: {premise}\n"
            f"Characters so far: {', '.join(taken) if taken else 'none yet'}.\n\n"
            f"Describe the {role_text} ({gender}). " + " ".join(facts)
            + ("" if person else f" Name: choose one of {', '.join(names)}.")
            + " Give " + ", ".join(a for a in asked if a) + ". Keep what the premise says about them."
            + (f" Lengths: description and look {_words(limits['description'], lang)}, goal "
               f"{_words(limits['goal'], lang)}, each garment {_words(limits['wardrobe'], lang)}.")
            + (f"\nWhat the source says about them: {hint}" if hint else ""))

    def check(data: Any, final: bool) -> tuple[Any, list[str]]:
        errors: list[str] = []
        if not isinstance(data, dict):
            return data, schema_errors(data, schema)
        if isinstance(data.get("name"), str) and data["name"] not in names:
            match = [n for n in names if n.casefold() == data["name"].strip().casefold()]
            if match:
                data["name"] = match[0]
        for key in ("description", "look", "goal", "job", "secret"):
            if key in props and isinstance(data.get(key), str):
                _fit(data, key, limits.get(key, limits["goal"]), lang, final, errors)
        if isinstance(data.get("wardrobe"), list):
            kept = []
            for w in data["wardrobe"]:
                if not isinstance(w, str) or not clean(w, None, lang):
                    continue
                w = clean(w, None, lang)
                if len(w) > limits["wardrobe"]:
                    if not final:
                        errors.append(f"$.wardrobe: {w!r} is too long; name the garment in "
                                      f"{_words(limits['wardrobe'], lang)}")
                        continue
                    w = _shorten(w, limits["wardrobe"])
                if not is_garment(w, lang):
                    errors.append(f"$.wardrobe: {w!r} is not something worn; list garments only")
                    continue
                kept.append(w)
            data["wardrobe"] = list(dict.fromkeys(kept))[:3]
            if final and not data["wardrobe"]:
                data["wardrobe"] = _period_wardrobe(period, lang, gender)
                errors = [e for e in errors if not e.startswith("$.wardrobe")]
            elif data["wardrobe"] and final:
                errors = [e for e in errors if not e.startswith("$.wardrobe")]
        if isinstance(data.get("name"), str) and data["name"] not in names:
            match = [n for n in names if n.casefold() == data["name"].strip().casefold()]
            if match:
                data["name"] = match[0]
        errors += _anachronism_errors(data, ["description", "look", "goal", "job", "secret", "wardrobe"],
                                      period, lang)
        return data, _with_schema(schema, data, errors)

    def fallback(problems: list[str]) -> dict:
        job = person.job if person and person.job else ""
        rel = _relations_text(person, lang)
        if lang == "zh":
            desc = "，".join(x for x in (job, rel) if x) or ("主角" if role == "protagonist" else "配角")
            out = {"description": desc[:limits["description"]], "look": "普通打扮，神情认真",
                   "goal": "把日子过好" if not genre.tropes else "讨回公道"}
        else:
            desc = "; ".join(x for x in (job, rel) if x) or role
            out = {"description": desc[:limits["description"]], "look": "plainly dressed, a serious face",
                   "goal": "to keep the family together" if not genre.tropes else "to set things right"}
        out.update({"name": names[0], "wardrobe": _period_wardrobe(period, lang, gender)})
        if "age" in props:
            out["age"] = 30
        if "job" in props:
            out["job"] = job
        if "secret" in props:
            out["secret"] = ""
        return out

    return Ask(f"character:{role}", _msgs(lang, user, genre), schema, check, max_tokens=450, fallback=fallback)


def _period_wardrobe(period: Period, lang: str, gender: str) -> list[str]:
    d = era_details(period, lang)["wardrobe"]
    if d:
        return d[:2]
    if lang == "zh":
        return ["白衬衫", "深色外套"] if gender == "male" else ["浅色连衣裙", "针织开衫"]
    return ["a white shirt", "a dark jacket"] if gender == "male" else ["a plain dress", "a knitted cardigan"]


def ask_places(premise: str, series: dict, people: list[Character], lang: str, *, genre: Genre, period: Period,
               known: list[str] | None = None, needed: int = 3) -> Ask:
    place = obj({"name": string(30 if lang == "en" else 8, min_length=2), "interior": {"type": "boolean"},
                 "description": string(200 if lang == "en" else 80)})
    prop = obj({"name": string(30 if lang == "en" else 8, min_length=2), "description": string(200 if lang == "en"
                                                                                               else 80)})
    desc_limit = 100 if lang == "en" else 40
    schema = obj({"locations": array(place, max(1, needed), max(needed, 5)), "props": array(prop, 1, 3)})
    names = ", ".join(f"{c.name} ({c.role})" for c in people)
    rule = ("names of 2-4 plain words, letters only, e.g. 'Hotel Lobby'" if lang == "en"
            else "names of 2-6 Chinese characters, e.g. 客厅, 面馆后厨")
    have = ("Places the premise already has (do not repeat them): " + ", ".join(known) + ".\n") if known else ""
    user = (f"Series: {series.get('title', '')}. {series.get('logline', '')}\n{_period_rule(period, lang)}"
            f"\nPremise: {premise}\nCharacters: {names}.\n{have}\nList {needed}-5 more locations where the story "
            f"happens ({rule}; interior true or false; a description of {_words(desc_limit, lang)}) and 1-3 "
            "everyday props that matter to these people.")
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
            seen: set[str] = {k.casefold() for k in known or []}
            kept = []
            for item in items:
                if not isinstance(item, dict):
                    continue
                item["name"] = fix(item.get("name"))
                sub: list[str] = []
                _fit(item, "description", desc_limit, lang, final, sub)
                errors += [e.replace("$.description", f"$.{key}[{item['name']}].description") for e in sub]
                if key == "locations" and not pattern.match(item["name"]):
                    if not final:
                        errors.append(f"$.{key}: {item['name']!r} is not a usable location name ({rule})")
                    continue
                bad = anachronisms(f"{item['name']} {item['description']}", period, lang)
                if bad:
                    if not final:
                        errors += [f"$.{key}: {p}" for p in bad]
                    continue
                if not item["name"] or item["name"].casefold() in seen:
                    continue
                seen.add(item["name"].casefold())
                kept.append(item)
            data[key] = kept
        problems = _with_schema(schema, data, errors)
        if final and data.get("locations"):  # fewer places than asked is a repair on the last try
            problems = [p for p in problems if not (p.startswith("$.locations") and "at least" in p)]
        return data, problems

    def fallback(problems: list[str]) -> dict:
        base = ["客厅", "厨房", "街口"] if lang == "zh" else ["Living Room", "Kitchen", "Street Corner"]
        return {"locations": [{"name": n, "interior": i < 2, "description": ""} for i, n in enumerate(base)
                              if n.casefold() not in {k.casefold() for k in known or []}][:needed],
                "props": []}

    return Ask("places", _msgs(lang, user, genre), schema, check, max_tokens=600, fallback=fallback)


# ---- episodes ----------------------------------------------------------------------------------


def _people(bible: Bible, names: list[str], lang: str, brief: bool = False) -> str:
    lines = []
    for name in names:
        c = bible.character(name)
        if c is None:
            continue
        bits = [f"{c.role or 'character'}", c.gender or "", f"{c.age}" if c.age else ""]
        head = f"- {c.name} ({', '.join(b for b in bits if b)})"
        body = [] if brief else [c.description]
        if brief and c.description:
            body.append(c.description)
        if c.goals:
            body.append(f"wants: {c.goals[0]}")
        if c.secrets and c.secrets[0]:
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
    period = period_of(bible.period)
    pay = " This episode ends just before the paywall: its ending must be the strongest yet." if plan.paywall else ""
    rules = " ".join(x for x in (_period_rule(period, lang), _dialect_rule(bible.dialect, lang)) if x)
    return (f"Series: {bible.title}. {bible.logline}\nGenre: {bible.genre}. Tone: {bible.tone}. "
            f"Period: {bible.period or 'present day'}.{' ' + rules if rules else ''}\n"
            f"Characters in this episode:\n{_people(bible, plan.cast, lang, brief)}\n"
            f"Story so far:\n{story_so_far(season, plan.number, 500 if brief else 900)}\n"
            f"Episode {plan.number} of {season.episode_count}"
            f"{': ' + act.purpose if act and act.purpose else ''}.{pay}")


def ask_outline(bible: Bible, season: Season, plan: EpisodePlan, lang: str, genre: Genre | None = None) -> Ask:
    limit = 140 if lang == "en" else 50
    title_limit, syn_limit = (40, 220) if lang == "en" else (12, 80)
    period = period_of(bible.period)
    schema = obj({
        "title": string(title_limit * 2),
        "synopsis": string(syn_limit * 2),
        "beats": array(obj({"text": string(limit * 2)}), len(plan.beats), len(plan.beats)),
    })
    beats = "\n".join(f"{i + 1}. {b.kind} ({b.start}-{b.end} s): {b.purpose}" for i, b in enumerate(plan.beats))
    place = ", ".join(plan.locations or [plan.location])
    user = (f"{_context(bible, season, plan, lang, brief=True)}\nWhere: {place}.\n\nOutline this episode: a short "
            f"title ({_words(title_limit, lang)}), a synopsis of one or two sentences ({_words(syn_limit, lang)}), "
            f"and for each of these {len(plan.beats)} beats one sentence ({_words(limit, lang)}) saying what "
            f"happens, who does what to whom, with these people:\n{beats}")

    def check(data: Any, final: bool) -> tuple[Any, list[str]]:
        errors: list[str] = []
        if not isinstance(data, dict):
            return data, schema_errors(data, schema)
        _fit(data, "title", title_limit, lang, final, errors)
        _fit(data, "synopsis", syn_limit, lang, final, errors)
        if isinstance(data.get("beats"), list):
            out = []
            for i, b in enumerate(data["beats"]):
                if not isinstance(b, dict):
                    out.append(b)
                    continue
                item = {"text": _LABEL.sub("", clean(b.get("text"), None, lang))}
                sub: list[str] = []
                _fit(item, "text", limit, lang, final, sub)
                errors += [e.replace("$.text", f"$.beats[{i}].text") for e in sub]
                out.append(item)
            data["beats"] = out
        bad = _anachronism_errors(data, ["title", "synopsis"], period, lang)
        for b in data.get("beats") or []:
            if isinstance(b, dict):
                bad += [f"$.beats: {p}" for p in anachronisms(b.get("text", ""), period, lang)]
        return data, _with_schema(schema, data, errors + bad)

    def fallback(problems: list[str]) -> dict:
        return {"title": "", "synopsis": "", "beats": [{"text": ""} for _ in plan.beats]}

    return Ask(f"outline:{plan.number}", _msgs(lang, user, genre), schema, check, max_tokens=600,
               fallback=fallback)


_FALLBACK_LINES = {
    "en": {"hook": ["{other}, you're up early.", "{other}? I didn't hear you come in.", "Sit down, {other}. Eat."],
           "turn": ["That's not what you said yesterday, {other}.", "I'm only trying to help, {other}.",
                    "You never asked me what I wanted, {other}.", "Fine. Do it your way, {other}.",
                    "I heard you the first time, {other}."],
           "cliffhanger": ["{other}, there's something I have to tell you.", "Wait. Who told you that, {other}?",
                           "{other}... what did you just say?"]},
    "zh": {"hook": ["{other}，你怎么起这么早？", "{other}？你什么时候回来的？", "{other}，坐下，先吃饭。"],
           "turn": ["{other}，你昨天可不是这么说的。", "{other}，我只是想帮你。", "{other}，你从来没问过我想要什么。",
                    "{other}，行，就按你说的办。", "{other}，我听见了，不用再说了。"],
           "cliffhanger": ["{other}，有件事我得告诉你。", "等等，{other}，这话是谁跟你说的？", "{other}……你刚才说什么？"]},
}


def _fits_by_sentences(line: dict, limit: int, lang: str) -> bool:
    """Shorten an over-long spoken line to its first whole sentences when they fit ``limit`` and are a line
    of their own (two words, or two Chinese characters); False (line unchanged) when they cannot."""
    if line.get("standard", line["text"]) != line["text"]:
        return False  # a dialect line: its standard twin would no longer say the same
    text = whole_sentences(line["text"], limit)
    if len(re.findall(r"[A-Za-z]+", text) if lang == "en" else _CJK.findall(text)) < 2:
        return False
    line["text"] = text
    if "standard" in line:
        line["standard"] = text
    return True


def fallback_line(kind: str, speaker: str, other: str, lang: str, said: set[str] | list[str]) -> str:
    """A plain line the speaker could say to ``other`` in a beat of this kind, not said before in the episode."""
    options = _FALLBACK_LINES["zh" if lang == "zh" else "en"][kind]
    start = int(hashlib.sha256(f"{speaker}{other}{kind}".encode()).hexdigest()[:4], 16)
    for k in range(len(options)):
        text = options[(start + k) % len(options)].format(other=other)
        if not repeated(text, said):
            return text
    return options[start % len(options)].format(other=other).rstrip(".。") + ("。" if lang == "zh" else ", really.")


def ask_beat(bible: Bible, season: Season, plan: EpisodePlan, index: int, lines: int, previous: list[str],
             seen: set[str], lang: str, *, must: str | None = None, genre: Genre | None = None,
             scene: list[str] | None = None) -> Ask:
    """One beat: an action line and its dialogue. ``must``: a cast member who has not spoken yet and speaks here;
    ``scene``: who is in the scene (only they may speak)."""
    beat: Beat = plan.beats[index]
    present = [s for s in (scene or beat.speakers) if bible.character(s)] or plan.cast
    speakers = [s for s in beat.speakers if s in present] or present
    if must and must not in speakers and bible.character(must):
        speakers = [must, *speakers]
    limit = line_limit(lang)
    hard = limit * 2
    period = period_of(bible.period)
    lo, hi = (1, 1) if beat.kind == "hook" else (max(1, lines - 1), lines + 1)
    if must and beat.kind == "hook":
        lo, hi = 1, 1
    action_limit = 110 if lang == "en" else 36
    dialect = bible.dialect if dialect_words(bible.dialect) else ""
    line = {"speaker": enum(speakers), "emotion": enum(EMOTIONS[lang]), "text": string(hard)}
    if dialect:  # spoken in dialect, and the same line in the standard language for the subtitles
        line["standard"] = string(hard)
    schema = obj({
        "action": string(action_limit * 2),
        "lines": array(obj(line), lo, hi),
        "event": string(action_limit * 2),
    })
    shape = {"hook": "One striking visual action and ONE short line that makes the viewer want to stay.",
             "turn": f"One action line, then {lines} lines of dialogue; feelings shift by the last one.",
             "cliffhanger": f"One action line, then {lines} lines; the last line leaves a question open."}[beat.kind]
    length = ("Each line at most 15 words, spoken as people talk, no stage directions." if lang == "en"
              else "每句台词不超过20个字，口语化，不要舞台说明。")
    who = (f" {must} speaks in this beat (at least one line)." if must else "")
    so_far = "\n".join(previous[-16:]) or "(the episode starts here)"
    user = (f"{_context(bible, season, plan, lang, brief=True)}\nEpisode {plan.number}: {plan.title}. "
            f"{plan.synopsis}\n"
            f"Lines already spoken in this episode (never repeat them):\n{so_far}\n\n"
            f"Write beat {index + 1} of {len(plan.beats)}, the {beat.kind} ({beat.start}-{beat.end} s): {beat.purpose}.\n"
            f"What happens: {beat.text or beat.purpose}\n{shape} {length} Speakers (only these people are here): "
            f"{', '.join(speakers)}.{who} Also say in one sentence what happened (event)."
            + (f" Each line: text as spoken in {dialect}, standard as the same line in standard written "
               + ("Chinese (普通话) for the subtitles." if lang == "zh" else "English for the subtitles.")
               if dialect else ""))
    names = {c.name.casefold() for c in bible.characters} | {c.name.split()[0].casefold() for c in bible.characters}
    instructions = [beat.purpose, shape, length, *(a.purpose for a in season.acts)]

    def check(data: Any, final: bool) -> tuple[Any, list[str]]:
        errors: list[str] = []
        if not isinstance(data, dict):
            return data, schema_errors(data, schema)
        _fit(data, "action", action_limit, lang, final, errors)
        data["event"] = clean(data.get("event"), action_limit, lang)
        kept = []
        dropped = []
        for i, line in enumerate(data.get("lines") or []):
            if not isinstance(line, dict):
                continue
            text = clean(line.get("text"), None, lang)
            m = _SPEAKER_PREFIX.match(text)
            if m and m.group(0).split(":")[0].split("：")[0].strip().casefold() in names:
                text = text[m.end():]
            text = clean(_LEADING_PAREN.sub("", text), None, lang)
            line["text"] = text
            if dialect:
                standard = clean(_LEADING_PAREN.sub("", clean(line.get("standard"), None, lang)), None, lang)
                line["standard"] = standard if standard and len(standard) <= hard else text
            speaker = line.get("speaker")
            if isinstance(speaker, str) and speaker not in speakers:
                match = [s for s in speakers if s.casefold() == speaker.strip().casefold()]
                if match:
                    line["speaker"] = speaker = match[0]
                else:
                    dropped.append(f"$.lines[{i}].speaker: {speaker!r} is not in this scene; only "
                                   f"{', '.join(speakers)} may speak")
                    continue
            if len(text) > limit and _fits_by_sentences(line, limit, lang):
                text = line["text"]
            if lang == "zh" and len(_CJK.findall(text)) < 2:
                dropped.append(f"$.lines[{i}].text: write a spoken line in Chinese")
            elif lang == "en" and len(re.findall(r"[A-Za-z]+", text)) < 2:
                dropped.append(f"$.lines[{i}].text: write a spoken line in English, at least two words")
            elif len(text) > limit:
                dropped.append(f"$.lines[{i}].text: {len(text)} characters is too long; say it in "
                               f"{_words(limit, lang)}, a whole sentence")
            elif repeated(text, [*seen, *(k["text"] for k in kept)]):
                dropped.append(f"$.lines[{i}].text: {text!r} was already said; write a new line")
            elif why := instruction_leak(text, instructions + [beat.text], lang):
                dropped.append(f"$.lines[{i}].text: {text!r}: {why}; write what {speaker} would say")
            elif bad := anachronisms(f"{text} {line.get('standard', '')}", period, lang):
                dropped += [f"$.lines[{i}].text: {p}" for p in bad]
            else:
                kept.append(line)
        # a bad line is dropped (it never reaches the script); the answer is asked again, with the checks'
        # findings, only when fewer usable lines are left than the beat needs; on the last try any are kept
        if dropped and (not kept or (not final and len(kept) < lo)):
            errors += dropped
        if must and kept and not any(k["speaker"] == must for k in kept):
            if final:
                plain = fallback_line(beat.kind, must, _other(must), lang, [*seen, *(k["text"] for k in kept)])
                kept.append({"speaker": must, "emotion": EMOTIONS[lang][0], "text": plain,
                             **({"standard": plain} if dialect else {})})
                this.notes.append(f"{this.name}: {must} had no line; a plain one was added")
            else:
                errors.append(f"$.lines: {must} must say one of the lines")
        data["lines"] = kept
        if lang == "zh" and data["action"] and not _CJK.search(data["action"]):
            if final:
                data["action"] = ""
            else:
                errors.append("$.action: write it in Chinese")
        if data["action"] and (bad := anachronisms(data["action"], period, lang) or (
                [why] if (why := instruction_leak(data["action"], instructions, lang)) else [])):
            if final:
                data["action"] = ""
            else:
                errors += [f"$.action: {p}" for p in bad]
        problems = _with_schema(schema, data, errors)
        if kept:  # fewer lines than asked is a repair, not a failure
            problems = [p for p in problems if not (p.startswith("$.lines:") and "at least" in p)]
        if final and kept:  # last try: no action line is better than no beat
            problems = [p for p in problems if not (p.startswith("$.action:") and "too short" in p)]
        return data, problems

    def _other(speaker: str) -> str:
        rest = [s for s in present if s != speaker]
        return rest[0] if rest else speaker

    def fallback(problems: list[str]) -> dict:
        speaker = must or speakers[0]
        said = set(seen)
        out = []
        for k in range(lo):
            who_ = speaker if k % 2 == 0 else _other(speaker)
            text = fallback_line(beat.kind, who_, _other(who_), lang, said)
            said.add(text)
            out.append({"speaker": who_, "emotion": EMOTIONS[lang][0], "text": text,
                        **({"standard": text} if dialect else {})})
        return {"action": "", "lines": out, "event": clean(beat.text, action_limit, lang)}

    this = Ask(f"beat:{plan.number}:{index + 1}", _msgs(lang, user, genre), schema, check,
               max_tokens=160 + hi * (60 if lang == "en" else 70), fallback=fallback)
    return this

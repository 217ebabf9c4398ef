"""Translation with the project's text provider: batched asks, validated answers, retries, a per-line cache.

Lines go to the model a few at a time with their speaker, emotion, a little
context and the glossary renderings they need; the answer is a JSON object
``{"1": "…", "2": "…"}`` whose strings carry a ``maxLength`` per line (the
characters a viewer can read in the time the line has), so constrained models
cannot overrun it. Every answer is checked: the same number of lines, each
within its length, the glossary renderings present, no text left in the source
language, the target language's script present. A rejected answer is asked
again with the problems spelled out (through the shared ask loop,
:mod:`reelwright.providers.asking`, which says why the rejected answer itself is
not sent back); a batch that keeps failing is split into
single lines. Each accepted line is cached on its own (its text, speaker,
languages, length budget, glossary renderings and the provider), so editing one
line translates that line again and nothing else.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from reelwright.project.cache import Cache, make_key
from reelwright.errors import BuildError
from reelwright.providers.asking import ask_json
from reelwright.providers.text import TextProvider, obj, schema_errors, string

__all__ = ["Translator", "Item", "TranslateStats", "LANGUAGES", "language_name", "script_of",
           "untranslated_problem", "TranslationError", "PROMPT_VERSION"]

log = logging.getLogger(__name__)

PROMPT_VERSION = 2  # part of every cached line's key: a new prompt translates again
# code → (name the prompt uses, script family)
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("English", "latin"), "zh": ("Simplified Chinese", "han"), "es": ("Spanish", "latin"),
    "pt": ("Brazilian Portuguese", "latin"), "id": ("Indonesian", "latin"), "th": ("Thai", "thai"),
    "ja": ("Japanese", "kana"), "ko": ("Korean", "hangul"), "fr": ("French", "latin"), "de": ("German", "latin"),
    "it": ("Italian", "latin"), "vi": ("Vietnamese", "latin"), "ms": ("Malay", "latin"), "tr": ("Turkish", "latin"),
    "ru": ("Russian", "cyrillic"), "ar": ("Arabic", "arabic"),
}
_SCRIPTS = {
    "han": re.compile(r"[\u3400-\u9fff]"), "kana": re.compile(r"[\u3040-\u30ff\u3400-\u9fff]"),
    "hangul": re.compile(r"[\uac00-\ud7af\u1100-\u11ff]"), "thai": re.compile(r"[\u0e00-\u0e7f]"),
    "cyrillic": re.compile(r"[\u0400-\u04ff]"), "arabic": re.compile(r"[\u0600-\u06ff]"),
    "latin": re.compile(r"[A-Za-z\u00c0-\u024f]"),
}
_HAN = _SCRIPTS["han"]
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]{3,}")


class TranslationError(BuildError):
    """The model gave no acceptable translation for a line after every retry."""


def language_name(code: str) -> str:
    return LANGUAGES.get(code, (code, "latin"))[0]


def script_of(code: str) -> str:
    return LANGUAGES.get(code, (code, "latin"))[1]


@dataclass
class Item:
    """One thing to translate: a dialogue line, a caption or a title."""

    key: str  # where it goes: "line:3", "caption:s02-c", "title"
    text: str
    kind: str = "dialogue"  # dialogue | caption | title | term
    character: str = ""
    emotion: str = ""
    budget: int = 200  # most characters the translation may have
    terms: list[tuple[str, str]] = field(default_factory=list)  # glossary (source, rendering) to use
    required: list[tuple[str, str]] = field(default_factory=list)  # … of which must appear
    check: Callable[[str], list[str]] | None = None  # extra checks (reading speed in its time window)
    speaker_as: list[str] = field(default_factory=list)  # the speaker's name in the target language (glossary)


@dataclass
class TranslateStats:
    items: int = 0
    cached: int = 0
    fixed: int = 0  # whole lines the glossary translates
    calls: int = 0
    retried: int = 0
    split: int = 0
    seconds: float = 0.0
    completion_tokens: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "cached": self.cached, "fixed": self.fixed, "calls": self.calls,
                "retried": self.retried, "split": self.split, "model_seconds": round(self.seconds, 2),
                "completion_tokens": self.completion_tokens}


def _strip_latin_allowed(text: str, allowed: list[str]) -> str:
    for a in sorted(allowed, key=len, reverse=True):
        if a:
            text = re.sub(re.escape(a), " ", text, flags=re.I)
    return text


def untranslated_problem(source: str, out: str, src_lang: str, dst_lang: str,
                         terms: list[tuple[str, str]] = ()) -> str | None:
    """Why ``out`` still reads as ``src_lang`` (None when it is a translation). ``terms``: glossary
    ``(source, rendering)`` pairs; renderings (names) may stay as they are."""
    s_src, s_dst = script_of(src_lang), script_of(dst_lang)
    allowed = [r for _, r in terms]
    rest = _strip_latin_allowed(out, allowed)
    if s_src == "han" and s_dst != "kana" and _HAN.search(rest):
        return f"it still has Chinese characters ({''.join(_HAN.findall(rest))[:12]})"
    if s_src == "latin" and s_dst != "latin":
        words = [w for w in _LATIN_WORD.findall(rest) if w.upper() not in ("OK", "CEO", "DNA", "SMS")]
        if words:
            return f"it still has {language_name(src_lang)} words ({', '.join(words[:4])})"
    letters = _SCRIPTS[s_dst]
    if re.search(r"[^\W\d_]", _strip_latin_allowed(source, [a for a, _ in terms])) and not letters.search(rest):
        return f"it is not written in {language_name(dst_lang)}"
    if s_src == s_dst:
        norm = lambda t: re.sub(r"[\W_]+", " ", t.casefold()).strip()  # noqa: E731
        if norm(out) == norm(source) and len(norm(source).split()) >= 2:
            return "it is the source line unchanged"
        allowed_words = {w.casefold() for a in allowed for w in re.findall(r"\w+", a)}
        content = [w for w in re.findall(r"[^\W\d_]{4,}", source.casefold()) if w not in allowed_words]
        if len(content) >= 3:
            out_words = set(re.findall(r"[^\W\d_]+", out.casefold()))
            kept = [w for w in content if w in out_words]
            if len(kept) / len(content) >= 0.5:
                return f"most of its words are still {language_name(src_lang)} ({', '.join(kept[:4])})"
    return None


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    text = re.sub(r"^\d+[.):]\s+", "", text)  # an echoed line number
    text = re.sub(r"^[(（]max \d+ characters[)）]\s*", "", text)  # … or the prompt's length note
    text = re.sub(r"^\[[^\]]{0,40}\]\s*", "", text)  # an echoed [speaker, emotion]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    if len(text) >= 2 and text[0] in "“「" and text[-1] in "”」":
        text = text[1:-1].strip()
    return text


_DIRECTION = re.compile(r"^[(（][^()（）]{1,16}[)）]\s*")


def _vocative(source_line: str, text: str, name: str, rendering: str, dst: str) -> str:
    """``text`` with the name put back where the source line calls someone by it ("Fine, Audrey." → "…，阿黛。"),
    when the translation dropped it; unchanged otherwise: a name inside the sentence is the model's to place,
    and a word already there ("Maria, …": a wrong name) is the model's to correct when asked again."""
    cjk = script_of(dst) in ("han", "kana")
    comma = "，" if cjk else ", "
    word = r"[\u3400-\u9fff\u3040-\u30ff]{1,4}" if cjk else r"[^\W\d_]+"
    n = re.escape(name)
    if re.match(rf"^\W*{n}\s*[,，]", source_line, re.I):
        return text if re.match(rf"^\W*{word}\s*[,，]", text) else f"{rendering}{comma}{text}"
    if re.search(rf"[,，]\s*{n}\W*$", source_line, re.I):
        if re.search(rf"[,，]\s*{word}\W*$", text):
            return text
        body = text.rstrip("。！？!?.…」”\"' ")
        return f"{body}{comma}{rendering}{text[len(body):]}"
    return text


def _unlabel(text: str, item: Item) -> str:
    """The translation without a speaker label ("Maya: …", "MAYA …", "玛雅：…") or a stage direction
    ("（惊讶）…") the model put in front, when the source line has none there."""
    opening = item.text.casefold().lstrip("\"'“「 ")
    if item.character and not opening.lstrip("(（ ").startswith(item.character.casefold()):
        names = {item.character, item.character.title(), *item.speaker_as} | {
            r for src, r in item.terms if src.casefold() == item.character.casefold()}
        for name in sorted(names, key=len, reverse=True):
            if name and text.casefold().startswith(name.casefold()):
                rest = re.sub(r"^[\s:：,，\-—]+", "", text[len(name):])
                if rest:
                    text = rest
                    break
    if not opening.startswith(("(", "（")) and (rest := _DIRECTION.sub("", text, count=1)):
        text = rest
    return text


class Translator:
    """Translates :class:`Item` lists from one language to another; accepted answers cached per item."""

    def __init__(self, provider: TextProvider, cache: Cache, *, retries: int = 3, seed: int = 0,
                 batch: int = 8, on_item: Callable[[int], None] | None = None) -> None:
        self.provider = provider
        self.cache = cache
        self.retries = retries
        self.seed = seed
        self.batch = batch
        self.on_item = on_item
        self.stats = TranslateStats()

    def item_key(self, item: Item, src: str, dst: str) -> str:
        return make_key("translate", {"v": PROMPT_VERSION, "text": item.text, "kind": item.kind,
                                      "character": item.character, "emotion": item.emotion, "from": src,
                                      "to": dst, "budget": item.budget, "terms": item.terms,
                                      "provider": self.provider.identity()})

    def translate(self, items: list[Item], src: str, dst: str, *, context: str = "",
                  fixed: Callable[[str], str | None] | None = None) -> dict[str, str]:
        """``item.key`` → translation for every item (cached ones are not asked again)."""
        out: dict[str, str] = {}
        todo: list[Item] = []
        for item in items:
            self.stats.items += 1
            rendering = fixed(item.text) if fixed else None
            if rendering:
                out[item.key] = rendering
                self.stats.fixed += 1
                self._advance()
                continue
            hit = self.cache.read_json("translate", self.item_key(item, src, dst))
            if hit is not None:
                out[item.key] = hit["text"]
                self.stats.cached += 1
                self._advance()
                continue
            todo.append(item)
        for i in range(0, len(todo), self.batch):
            out.update(self._batch(todo[i:i + self.batch], src, dst, context))
        return out

    def _advance(self, n: int = 1) -> None:
        if self.on_item:
            self.on_item(n)

    # ---- asking ------------------------------------------------------------------------------

    def _messages(self, items: list[Item], src: str, dst: str, context: str) -> list[dict[str, str]]:
        s, d = language_name(src), language_name(dst)
        kinds = {i.kind for i in items}
        what = "names and short phrases" if kinds == {"term"} else "lines of a vertical short drama (subtitles)"
        system = (f"You are a professional subtitle translator. Translate {what} from {s} into {d}. Write "
                  f"natural, spoken {d}; keep each line's meaning, tone and punctuation of emotion. Never merge, "
                  f"split, skip or explain lines, and never leave {s} words in the answer (except names given "
                  f"in the glossary). Each translation must be at most its given number of characters, spaces "
                  f"included: say it shorter if needed. Answer with one JSON object mapping each line number to "
                  f"its translation.")
        if kinds == {"term"}:
            system += (f" Person names are transliterated (written as they sound) in {d}'s usual writing; "
                       "places, objects and titles are translated.")
        terms = list(dict.fromkeys(t for i in items for t in i.terms))
        parts = []
        if terms:
            parts.append("Glossary — use exactly these renderings:\n" + "\n".join(f"{a} = {b}" for a, b in terms))
        if context:
            parts.append("Earlier in the scene (context only, do not translate):\n" + context)
        lines = []
        for n, item in enumerate(items, 1):
            who = ", ".join(x for x in (item.character, item.emotion) if x)
            tag = f"[{who}] " if who else ("[on-screen text] " if item.kind == "caption" else "")
            lines.append(f"{n}. {tag}(max {item.budget} characters) {item.text}")
        parts.append(f"Translate into {d}:\n" + "\n".join(lines))
        # no example answer: a small model copies a placeholder ("…") into every line, try after try
        keys = "1" if len(items) == 1 else f"1 to {len(items)}"
        parts.append(f"Answer with one JSON object: keys {keys}, each value that line written in {d}.")
        return [{"role": "system", "content": system}, {"role": "user", "content": "\n\n".join(parts)}]

    def _schema(self, items: list[Item]) -> dict:
        return obj({str(n): string(max(2, item.budget)) for n, item in enumerate(items, 1)})

    def _problems(self, items: list[Item], data: Any, schema: dict, src: str, dst: str) -> tuple[dict, list[str]]:
        problems: list[str] = []
        got: dict[str, str] = {}
        if not isinstance(data, dict):
            return {}, [f"expected a JSON object with keys 1..{len(items)}"]
        if len(data) != len(items):
            problems.append(f"the answer has {len(data)} lines; there are {len(items)} lines to translate")
        cleaned = {k: _clean(v) if isinstance(v, str) else v for k, v in data.items()}
        for n, item in enumerate(items, 1):
            if isinstance(cleaned.get(str(n)), str):
                cleaned[str(n)] = _unlabel(cleaned[str(n)], item)
        problems += [p.replace("$.", "line ") for p in schema_errors(cleaned, schema)]
        for n, item in enumerate(items, 1):
            text = cleaned.get(str(n))
            if not isinstance(text, str) or not text:
                continue
            mine = []
            for source, rendering in item.required:
                if rendering.casefold() not in text.casefold():
                    text = cleaned[str(n)] = _vocative(item.text, text, source, rendering, dst)
                if rendering.casefold() not in text.casefold():
                    mine.append(f"it must write {source} as {rendering}")
            bad = untranslated_problem(item.text, text, src, dst, item.terms)
            if bad:
                mine.append(bad)
            if item.check:
                mine += item.check(text)
            problems += [f"line {n} ({text[:40]!r}): {p}" for p in mine]
            if not mine and len(text) <= item.budget:
                got[item.key] = text
        return got, problems

    def _batch(self, items: list[Item], src: str, dst: str, context: str) -> dict[str, str]:
        """Ask through the shared ask loop; every line that passes is kept (and cached) even while others are
        asked again, and only the lines still missing are named in the reasons."""
        schema = self._schema(items)
        accepted: dict[str, str] = {}
        def check(data: Any, final: bool) -> tuple[Any, list[str]]:
            got, problems = self._problems(items, data, schema, src, dst)
            for item in items:  # keep every line that passed, even when others did not
                if item.key in got and item.key not in accepted:
                    accepted[item.key] = got[item.key]
                    self.cache.write_json("translate", self.item_key(item, src, dst),
                                          {"text": got[item.key], "source": item.text})
                    self._advance()
            if len(accepted) == len(items):
                return accepted, []
            return accepted, problems or ["some lines are missing"]

        out = ask_json(self.provider, self._messages(items, src, dst, context), schema, check, name="translation",
                       retries=self.retries, seed=self.seed, max_tokens=60 + sum(i.budget for i in items) * 2,
                       temperature=lambda attempt: 0.2 if attempt == 0 else min(0.3 + 0.2 * attempt, 1.0))
        self.stats.calls += out.calls
        self.stats.seconds += out.seconds
        self.stats.completion_tokens += out.completion_tokens
        if out.ok:
            if out.attempts > 1:
                self.stats.retried += 1
            return accepted
        problems = out.problems
        rest = [i for i in items if i.key not in accepted]
        if len(items) > 1 and rest:  # a batch that keeps failing: one line at a time
            self.stats.split += 1
            for item in rest:
                accepted.update(self._batch([item], src, dst, context))
            return accepted
        if rest:
            item = rest[0]
            raise TranslationError(
                f"no acceptable {language_name(dst)} translation of {item.key} {item.text!r} after "
                f"{self.retries + 1} tries: {'; '.join(problems[:4])}. Give it a fixed translation in glossary.yaml "
                f"(a term with kind: phrase, source: the whole line), raise [writing] retries, or use a stronger "
                f"model")
        return accepted

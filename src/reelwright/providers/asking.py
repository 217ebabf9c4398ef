"""The one ask → validate → retry → cache loop for every caller that asks a text model for JSON.

Writing (:mod:`reelwright.writing.ask`) and translation
(:mod:`reelwright.localise.translate`) both go through :func:`ask_json`: ask, let the
caller's ``check(data, final)`` clean the answer and list what is still wrong,
ask again with those reasons, and cache what passed (``cache``: the project's
cache, or anything with its ``read_json``/``write_json``; providers sit beside
the project layer, so it is not imported here).

**Feedback policy: the reasons go back, the rejected answer does not.** Each
retry is the same question with the reasons appended ("line 2 ('…'): it must
write Maya as 玛雅", "'WeChat' is an anachronism …", "'…' was already said");
a check quotes, in its reason, the part of the answer the reason is about.
The two loops this replaced disagreed: translation sent the whole rejected
answer back as an assistant turn, writing left it out. Left out is better for
the small local models reelwright runs by default: shown its own answer, a
1.5 B model copies it word for word (the repeated line and the leaked
instruction came back on every retry), while the reasons already carry
everything needed to fix it, including the quoted fragment. It also keeps the
conversation from growing with each retry, so the prompt stays within a small
context and a llama.cpp server reuses its cached prompt prefix.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reelwright.providers.text import InvalidAnswer, TextProvider

__all__ = ["ask_json", "Outcome", "feedback"]

log = logging.getLogger(__name__)

Check = Callable[[Any, bool], tuple[Any, list[str]]]


@dataclass
class Outcome:
    """What :func:`ask_json` ended with: the checked answer (``ok``) or the last problems (not ``ok``)."""

    data: Any = None
    ok: bool = False
    cached: bool = False
    attempts: int = 0
    problems: list[str] = field(default_factory=list)
    model: str = ""
    first_raw: Any = None  # the first answer as it came, before the check's repairs
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0


def feedback(messages: list[dict[str, str]], problems: list[str]) -> list[dict[str, str]]:
    """The question again with the reasons for the rejection appended (see the module doc for why not the answer)."""
    note = ("\n\nA previous answer was rejected for these problems:\n- " + "\n- ".join(problems[:8])
            + "\nWrite a new answer that avoids them. One JSON object only.")
    out = [dict(m) for m in messages]
    out[-1]["content"] = out[-1]["content"] + note
    return out


def ask_json(provider: TextProvider, messages: list[dict[str, str]], schema: dict, check: Check, *, name: str,
             retries: int = 3, seed: int = 0, max_tokens: int | None = None,
             temperature: Callable[[int], float | None] = lambda attempt: None,
             cache: Any = None, stage: str = "write", key: str | None = None) -> Outcome:
    """Ask until ``check`` finds no problem (at most ``retries`` more tries); cache the passing answer under ``key``.

    ``check(data, final)`` gets a copy of the parsed answer and ``final`` (the last try: repair what can be
    repaired rather than reject) and returns the cleaned answer and the problems left. Never raises for a bad
    answer: an :class:`Outcome` that is not ``ok`` carries the last problems, and the caller decides (a plain
    fallback, a smaller batch, or an error naming what to change).
    """
    if cache is not None and key is not None:
        hit = cache.read_json(stage, key)
        if hit is not None:
            return Outcome(data=hit["data"], ok=True, cached=True, attempts=hit.get("attempts", 1),
                           model=hit.get("model", ""))
    out = Outcome()
    asked = list(messages)
    for attempt in range(retries + 1):
        final = attempt == retries
        out.calls += 1
        out.attempts = attempt + 1
        start = time.monotonic()
        try:
            answer = provider.complete_json(asked, schema, name=name, max_tokens=max_tokens, seed=seed + attempt,
                                            temperature=temperature(attempt))
        except InvalidAnswer as exc:
            out.seconds += time.monotonic() - start
            out.problems = [str(exc)]
            log.info("%s: try %d unusable: %s", name, attempt + 1, exc)
            asked = feedback(messages, out.problems)
            continue
        out.seconds += answer.seconds or (time.monotonic() - start)
        out.prompt_tokens += answer.prompt_tokens
        out.completion_tokens += answer.completion_tokens
        out.model = answer.model
        if attempt == 0:
            out.first_raw = json.loads(json.dumps(answer.data))
        data, problems = check(json.loads(json.dumps(answer.data)), final)
        if not problems:
            out.data, out.ok, out.problems = data, True, []
            if cache is not None and key is not None:
                cache.write_json(stage, key, {"data": data, "attempts": attempt + 1, "model": answer.model})
            return out
        out.problems = problems
        log.info("%s: try %d rejected: %s", name, attempt + 1, "; ".join(problems[:5]))
        asked = feedback(messages, problems)
    return out

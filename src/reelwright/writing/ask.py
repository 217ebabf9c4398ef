"""Asking the model for the writing stage: the shared ask loop, fallbacks, and the numbers.

Each answer is cached under ``build/cache/write`` by a hash of the messages,
the schema, the provider's identity and the seed, so an interrupted run
resumes without asking again and the same inputs give the same script.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from reelwright.project.cache import Cache, canonical_json, make_key
from reelwright.errors import BuildError
from reelwright.providers.asking import ask_json
from reelwright.providers.text import TextProvider
from reelwright.writing.prompts import Ask

__all__ = ["Writer", "WriteStats", "prompt_hash"]

log = logging.getLogger(__name__)


@dataclass
class WriteStats:
    asks: int = 0  # answers used
    cached: int = 0  # of which came from the cache
    calls: int = 0  # model calls made
    first_try_valid: int = 0  # asks whose first model answer passed the checks as it came
    first_try_repaired: int = 0  # … or after repairs made in code
    retried: int = 0  # asks that needed another try
    fallbacks: int = 0  # asks answered by the plain in-character fallback after every try failed
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0  # time spent waiting for the model
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what last-try repairs had to accept

    @property
    def asked(self) -> int:
        return self.asks - self.cached

    @property
    def tokens_per_second(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds else 0.0

    @property
    def first_try_share(self) -> float:
        return self.first_try_valid / self.asked if self.asked else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"asks": self.asks, "cached": self.cached, "calls": self.calls,
                "first_try_valid": self.first_try_valid, "first_try_repaired": self.first_try_repaired,
                "retried": self.retried, "fallbacks": self.fallbacks, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "model_seconds": round(self.seconds, 3),
                "tokens_per_second": round(self.tokens_per_second, 2),
                "first_try_share": round(self.first_try_share, 3), "warnings": len(self.warnings)}


def prompt_hash(asks: list[Ask]) -> str:
    return hashlib.sha256(canonical_json([a.messages for a in asks]).encode("utf-8")).hexdigest()


class Writer:
    """Asks the provider through the one ask loop (:func:`reelwright.providers.asking.ask_json`), counts what it
    cost, and falls back to the ask's plain in-character answer when every try was rejected."""

    def __init__(self, provider: TextProvider, cache: Cache, *, seed: int = 0, retries: int = 3) -> None:
        self.provider = provider
        self.cache = cache
        self.seed = seed
        self.retries = retries
        self.stats = WriteStats()

    def ask(self, ask: Ask) -> Any:
        self.stats.asks += 1
        key = make_key("write-ask", {"messages": ask.messages, "schema": ask.schema, "seed": self.seed,
                                     "provider": self.provider.identity()})
        out = ask_json(self.provider, ask.messages, ask.schema, ask.check, name=ask.name.split(":")[0],
                       retries=self.retries, seed=self.seed, max_tokens=ask.max_tokens,
                       temperature=self._temperature, cache=self.cache, stage="write", key=key)
        if out.cached:
            self.stats.cached += 1
            return out.data
        self.stats.calls += out.calls
        self.stats.seconds += out.seconds
        self.stats.prompt_tokens += out.prompt_tokens
        self.stats.completion_tokens += out.completion_tokens
        if out.ok:
            self.stats.warnings += ask.notes
            if out.attempts == 1:
                raw_ok = not _raw_problems(ask, out.first_raw)
                self.stats.first_try_valid += raw_ok
                self.stats.first_try_repaired += not raw_ok
            else:
                self.stats.retried += 1
            return out.data
        self.stats.failures.append(ask.name)
        if ask.fallback is not None:
            data = ask.fallback(out.problems)
            self.stats.fallbacks += 1
            self.stats.warnings.append(f"{ask.name}: no usable answer after {out.attempts} tries ("
                                       + "; ".join(out.problems[:3]) + "); a plain line was written instead")
            self.cache.write_json("write", key, {"data": data, "attempts": out.attempts, "model": out.model,
                                                 "fallback": True})
            return data
        raise BuildError(f"the model gave no usable answer for {ask.name} after {self.retries + 1} tries: "
                         + "; ".join(out.problems[:5]) + ". Try another seed ([writing] seed), more retries, or a "
                         "stronger model")

    def _temperature(self, attempt: int) -> float | None:
        """The provider's own temperature first; warmer on each retry so a stuck model says something new."""
        if attempt == 0:
            return None
        base = float(getattr(self.provider.options, "temperature", 0.7) or 0.7)
        return max(base, min(base + 0.15 * attempt, 1.0))  # hotter than 1.0 a small model only rambles


def _raw_problems(ask: Ask, data: Any) -> list[str]:
    """What the checks find in an answer before any repair (a copy is checked; the answer is not changed)."""
    copy = json.loads(json.dumps(data))
    _, problems = ask.check(copy, False)
    if problems:
        return problems
    return [] if canonical_json(copy) == canonical_json(data) else ["repaired"]

"""What provider calls cost: prices from the settings, the budget of one build command, ``build/ledger.jsonl``.

Every call a build makes to a provider (pictures, clips, speech; local ones too,
at cost 0) is appended to the ledger as one JSON line: time, provider, what it
was for (``ep003/s02-d01``, ``ref/MAYA/front``, ``ep001/line004``), the cache
key, seconds of media returned, cost, status and error. Before a call is made,
:meth:`Ledger.reserve` checks that its estimated cost fits in what is left of
the budget; a call that would go over it is never made.
"""

from __future__ import annotations

import json
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from reelwright.errors import BudgetError
from reelwright.fsutil import storage_errors
from reelwright.project.settings import Settings
from reelwright.redact import redact

__all__ = ["Ledger", "Call", "read_ledger", "call_cost", "money"]


def money(amount: float, currency: str) -> str:
    """``0.04 USD``, ``2.00 USD``, ``0.0012 USD``: two decimals, more only when they matter."""
    text = f"{amount:.4f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')} {currency}"


def call_cost(settings: Settings, spec: str, seconds: float = 0.0) -> float:
    """per_call + per_second × seconds, from ``[providers.prices."kind:name"]``."""
    price = settings.price(spec)
    return price.per_call + price.per_second * max(seconds, 0.0)


@dataclass
class Call:
    """One call in flight: say how many seconds of media came back with :meth:`done`."""

    seconds: float = 0.0

    def done(self, seconds: float) -> None:
        self.seconds = float(seconds)


class Ledger:
    """Appends to ``path`` (JSON lines) and keeps the money spent by this build command against the budget."""

    def __init__(self, path: Path | None, settings: Settings, *, budget: float | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.settings = settings
        self.budget = settings.providers.budget if budget is None else budget
        self.currency = settings.providers.currency
        self.spent = 0.0  # settled cost of calls made by this command
        self._reserved = 0.0  # estimated cost of calls in flight
        self.calls = 0
        self._mutex = threading.Lock()

    def money(self, amount: float) -> str:
        return money(amount, self.currency)

    def check_plan(self, planned: float, what: str = "") -> None:
        """Stop before any call when the planned cost of the uncached calls exceeds the budget."""
        if self.budget is not None and planned > self.budget + 1e-9:
            raise BudgetError(f"this build would cost about {self.money(planned)} in provider calls{what}, over "
                              f"the budget of {self.money(self.budget)} ([providers] budget in reelwright.toml); "
                              f"nothing was called. Raise the budget, build fewer episodes (--episodes), or see "
                              f"'reelwright build --dry-run'")

    def reserve(self, spec: str, what: str, estimate_seconds: float = 0.0) -> float:
        """Hold the estimated cost of one call; raises :class:`BudgetError` (and makes no call) when it would
        take this command's spending over the budget."""
        estimate = call_cost(self.settings, spec, estimate_seconds)
        with self._mutex:
            if self.budget is not None and self.spent + self._reserved + estimate > self.budget + 1e-9:
                raise BudgetError(f"{spec} for {what} (about {self.money(estimate)}) would take this build over "
                                  f"its budget of {self.money(self.budget)} ([providers] budget): "
                                  f"{self.money(self.spent)} spent so far; the call was not made")
            self._reserved += estimate
        return estimate

    @contextmanager
    def call(self, spec: str, what: str, key: str, estimate_seconds: float = 0.0) -> Iterator[Call]:
        """Around one provider call: reserve against the budget, then record it (ok or failed) in the ledger."""
        estimate = self.reserve(spec, what, estimate_seconds)
        call = Call()
        try:
            yield call
        except BaseException as exc:
            with self._mutex:
                self._reserved -= estimate
            self.append({"provider": spec, "what": what, "key": key, "seconds": 0.0, "cost": 0.0,
                         "status": "failed", "error": f"{type(exc).__name__}: {exc}"[:500]})
            raise
        cost = call_cost(self.settings, spec, call.seconds)
        with self._mutex:
            self._reserved -= estimate
            self.spent += cost
            self.calls += 1
        self.append({"provider": spec, "what": what, "key": key, "seconds": round(call.seconds, 3),
                     "cost": round(cost, 6), "status": "ok", "error": None})

    def append(self, record: dict[str, Any]) -> None:
        if self.path is None:
            return
        line = json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **record, "currency": self.currency},
                          ensure_ascii=False, sort_keys=False)
        line = redact(line)  # an error that quotes a server's echo of our headers must not store the key
        with self._mutex, storage_errors(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # one write() of a whole line with O_APPEND: lines from threads never interleave
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
            try:
                os.write(fd, (line + "\n").encode("utf-8"))
            finally:
                os.close(fd)


def read_ledger(path: Path) -> list[dict[str, Any]]:
    """The ledger's records, oldest first (a torn last line is skipped)."""
    out = []
    if Path(path).is_file():
        for raw in Path(path).read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(raw))
            except json.JSONDecodeError:
                continue
    return out

"""Progress for long commands: a rich bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterator

__all__ = ["Progress", "progress"]


class Progress:
    def __init__(self, label: str, total: int, *, stream=None, enabled: bool = True) -> None:
        self.label = label
        self.total = max(total, 0)
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.start = time.monotonic()
        self._bar = None
        self._last_line = 0.0
        if enabled and self.stream.isatty() and total > 0:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                                     transient=False)
            self._bar.start()
            self._task = self._bar.add_task(label, total=total)

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(self._task, advance=n)
            return
        now = time.monotonic()
        if self.done >= self.total or now - self._last_line >= 2.0 or self.done == n:
            self._last_line = now
            elapsed = now - self.start
            eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
            extra = f" {note}" if note else ""
            print(f"{self.label}: {self.done}/{self.total} ({elapsed:.0f}s elapsed, eta {eta:.0f}s){extra}",
                  file=self.stream, flush=True)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


@contextmanager
def progress(label: str, total: int, *, enabled: bool = True) -> Iterator[Progress]:
    p = Progress(label, total, enabled=enabled)
    try:
        yield p
    finally:
        p.close()

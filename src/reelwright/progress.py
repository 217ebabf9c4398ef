"""Progress of long work as events, and cancelling it.

Long work counts its steps with :class:`Progress`. Every step becomes an :class:`Event` (stage, item,
done/total, elapsed, ETA) handed to the event sink installed by :func:`reporting` (the Python API and the
CLI install one; the studio forwards them to the browser). Without a sink, :class:`Progress` prints as it
always did: a rich bar on a terminal, plain lines otherwise. :class:`ConsoleReporter` is the sink that
prints events the same way, so the CLI shows exactly what it showed before.

A :class:`CancelToken` installed with the sink is checked at every step and at every :func:`checkpoint`
(between episodes, lines, shots); ``cancel()`` from another thread makes the running work raise
:class:`~reelwright.errors.Cancelled` at the next check. Finished artifacts stay cached (they are only ever
renamed into place once complete), so the next run resumes.
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable, Iterator

from reelwright.errors import Cancelled

__all__ = ["Progress", "progress", "Event", "CancelToken", "reporting", "checkpoint", "log", "ConsoleReporter",
           "EventSink"]


@dataclass(frozen=True)
class Event:
    """One step of long work. ``kind`` is ``"progress"`` (a counted step) or ``"log"`` (a finished item's
    one-line report in ``message``)."""

    stage: str  # voice, render, translate, sheet, check, build, …
    item: str = ""  # what the stage works on: ep001, ep001 es, "3 episodes"
    done: int = 0
    total: int = 0
    elapsed: float = 0.0  # seconds since this stage/item started
    eta: float | None = None  # seconds left (None: not known yet)
    message: str = ""
    kind: str = "progress"
    title: str = ""  # how the work names itself ("ep001 voice", "render 3 episodes"); empty: item and stage

    @property
    def label(self) -> str:
        return self.title or f"{self.item} {self.stage}".strip()

    def as_dict(self) -> dict:
        return {"kind": self.kind, "stage": self.stage, "item": self.item, "label": self.label,
                "done": self.done, "total": self.total,
                "elapsed": round(self.elapsed, 2), "eta": None if self.eta is None else round(self.eta, 1),
                "message": self.message}


EventSink = Callable[[Event], None]


class CancelToken:
    """Set from any thread; long work checks it between steps and raises :class:`Cancelled`."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled: finished work is kept; run the build again to resume")


@dataclass(frozen=True)
class _Reporter:
    on_event: EventSink | None
    cancel: CancelToken | None


_current: ContextVar[_Reporter] = ContextVar("reelwright_reporter", default=_Reporter(None, None))


@contextmanager
def reporting(on_event: EventSink | None = None, cancel: CancelToken | None = None) -> Iterator[None]:
    """Send the events of the work inside to ``on_event`` and let ``cancel`` stop it; a None keeps what an
    outer :func:`reporting` installed."""
    outer = _current.get()
    token = _current.set(_Reporter(on_event if on_event is not None else outer.on_event,
                                   cancel if cancel is not None else outer.cancel))
    try:
        yield
    finally:
        _current.reset(token)


def checkpoint() -> None:
    """Raise :class:`Cancelled` when the installed cancel token is set (call between units of work)."""
    cancel = _current.get().cancel
    if cancel is not None:
        cancel.raise_if_cancelled()


def log(message: str, *, stage: str = "build", item: str = "", quiet: bool = False) -> None:
    """A finished item's one-line report: an event for the sink, else a line on stderr (unless quiet)."""
    sink = _current.get().on_event
    if sink is not None:
        sink(Event(stage, item, message=message, kind="log"))
    elif not quiet:
        print(message, file=sys.stderr, flush=True)


def _split(label: str) -> tuple[str, str]:
    """``"ep001 voice"`` → ("voice", "ep001"); ``"render 3 episodes"`` → ("render", "3 episodes")."""
    words = label.split()
    if len(words) > 1 and words[0].startswith("ep") and words[0][2:].isdigit():
        return words[-1], " ".join(words[:-1])
    if len(words) > 1:
        return words[0], " ".join(words[1:])
    return label, ""


class _Printer:
    """A rich bar on a terminal, plain lines (at most one every 2 s) otherwise."""

    def __init__(self, label: str, total: int, stream) -> None:
        self.label, self.total, self.stream = label, total, stream
        self._bar = None
        self._last_line = 0.0
        if stream.isatty() and total > 0:
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

    def show(self, done: int, n: int, elapsed: float, eta: float | None, note: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done)
            return
        now = time.monotonic()
        if done >= self.total or now - self._last_line >= 2.0 or done == n:
            self._last_line = now
            extra = f" {note}" if note else ""
            print(f"{self.label}: {done}/{self.total} ({elapsed:.0f}s elapsed, eta {eta or 0:.0f}s){extra}",
                  file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


class Progress:
    """Counts the steps of one stage: events to the installed sink (and a cancel check per step), or printed
    when no sink is installed and ``enabled``."""

    def __init__(self, label: str, total: int, *, stream=None, enabled: bool = True, stage: str | None = None,
                 item: str | None = None) -> None:
        self.label = label
        self.total = max(total, 0)
        self.done = 0
        self.start = time.monotonic()
        split_stage, split_item = _split(label)
        self.stage = stage or split_stage
        self.item = split_item if item is None else item
        self._reporter = _current.get()  # captured here: steps may be counted from a helper thread
        self._printer = None
        if self._reporter.on_event is None and enabled:
            self._printer = _Printer(label, self.total, stream or sys.stderr)
        if self._reporter.on_event is not None:
            self._reporter.on_event(Event(self.stage, self.item, 0, self.total, 0.0, None, title=label))

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        elapsed = time.monotonic() - self.start
        eta = elapsed / self.done * (self.total - self.done) if self.done else None
        if self._reporter.on_event is not None:
            self._reporter.on_event(Event(self.stage, self.item, self.done, self.total, elapsed, eta, note,
                                          title=self.label))
        elif self._printer is not None:
            self._printer.show(self.done, n, elapsed, eta, note)
        if self._reporter.cancel is not None:
            self._reporter.cancel.raise_if_cancelled()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._printer is not None:
            self._printer.close()
            self._printer = None


@contextmanager
def progress(label: str, total: int, *, enabled: bool = True) -> Iterator[Progress]:
    p = Progress(label, total, enabled=enabled)
    try:
        yield p
    finally:
        p.close()


class ConsoleReporter:
    """An event sink that prints events as :class:`Progress` does without one (the CLI's output): a bar or
    lines per stage and item, and the log lines on stderr."""

    def __init__(self, *, quiet: bool = False, stream=None) -> None:
        self.quiet = quiet
        self.stream = stream
        self._printers: dict[str, _Printer] = {}
        self._mutex = threading.Lock()

    def __call__(self, event: Event) -> None:
        if self.quiet:
            return
        stream = self.stream or sys.stderr
        with self._mutex:
            if event.kind == "log":
                self._close(event.label)
                print(event.message, file=stream, flush=True)
                return
            label = event.label
            printer = self._printers.get(label)
            if printer is None or event.done == 0:
                self._close(label)
                printer = self._printers[label] = _Printer(label, event.total, stream)
            if event.done:
                printer.show(event.done, 1 if event.done == 1 else 0, event.elapsed, event.eta, event.message)
            if event.total and event.done >= event.total:
                self._close(label)

    def _close(self, label: str) -> None:
        printer = self._printers.pop(label, None)
        if printer is not None:
            printer.close()

    def close(self) -> None:
        with self._mutex:
            for label in list(self._printers):
                self._close(label)

    def __enter__(self) -> "ConsoleReporter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

"""Long work started from the studio (a build, candidates): one at a time, in a thread, through the API.

The job's events are kept in order (the page's live view reads them from any position), its log lines and
its outcome. The API's :class:`~reelwright.lockfile.ProjectLock` is what keeps builds apart: a job started
while the CLI builds fails at once with the CLI's name in its error, and a CLI build started while a studio
job runs is refused the same way.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from reelwright.errors import Cancelled, ReelwrightError
from reelwright.progress import CancelToken, Event

__all__ = ["Job", "Jobs"]


@dataclass
class Job:
    id: int
    kind: str  # "build", "candidates", "redraw"
    title: str
    episodes: list[int]
    state: str = "running"  # running, done, failed, cancelled
    started: float = field(default_factory=time.time)
    finished: float | None = None
    events: list[dict] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    error: str = ""
    summary: str = ""
    result: Any = None
    cancel: CancelToken = field(default_factory=CancelToken)

    @property
    def running(self) -> bool:
        return self.state == "running"

    def progress(self) -> dict | None:
        """The latest counted step (stage, item, done/total, ETA)."""
        return next((e for e in reversed(self.events) if e["kind"] == "progress"), None)

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "title": self.title, "episodes": self.episodes,
                "state": self.state, "started": self.started, "finished": self.finished, "error": self.error,
                "summary": self.summary, "progress": self.progress(), "log": self.log[-200:],
                "events": len(self.events)}


class Jobs:
    """The studio's jobs: at most one running; the last ones kept for the Builds page."""

    def __init__(self, keep: int = 20) -> None:
        self._jobs: list[Job] = []
        self._mutex = threading.Lock()
        self._keep = keep
        self._next = 1

    def current(self) -> Job | None:
        with self._mutex:
            return next((j for j in reversed(self._jobs) if j.running), None)

    def get(self, job_id: int) -> Job | None:
        with self._mutex:
            return next((j for j in self._jobs if j.id == job_id), None)

    def recent(self) -> list[Job]:
        with self._mutex:
            return list(reversed(self._jobs))

    def building(self) -> set[int]:
        job = self.current()
        return set(job.episodes) if job is not None and job.kind == "build" else set()

    def start(self, kind: str, title: str, episodes: list[int],
              work: Callable[[Callable[[Event], None], CancelToken], tuple[str, Any]]) -> Job:
        """Run ``work(on_event, cancel) -> (summary, result)`` in a thread as a new job. Refused (ReelwrightError)
        while another studio job runs."""
        with self._mutex:
            running = next((j for j in self._jobs if j.running), None)
            if running is not None:
                raise ReelwrightError(f"a {running.kind} is running ({running.title}); wait for it or cancel it")
            job = Job(self._next, kind, title, episodes)
            self._next += 1
            self._jobs = (self._jobs + [job])[-self._keep:]

        def on_event(event: Event) -> None:
            job.events.append(event.as_dict())
            if event.kind == "log":
                job.log.extend(event.message.splitlines())

        def run() -> None:
            try:
                job.summary, job.result = work(on_event, job.cancel)
                job.state = "done"
            except Cancelled as exc:
                job.state, job.error = "cancelled", str(exc)
            except ReelwrightError as exc:
                job.state, job.error = "failed", str(exc)
            except Exception as exc:  # noqa: BLE001 - shown on the Builds page instead of killing the thread
                job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
            finally:
                job.finished = time.time()
                if job.error:
                    job.log.append(f"{job.state}: {job.error}")

        threading.Thread(target=run, name=f"reelwright studio {kind} {job.id}", daemon=True).start()
        return job

"""What the studio shows, read from the project folder and kept while the files do not change.

Every page reads the files again in effect (an edit made on disk shows on the next load), but a file is only
parsed again when its size or modification time changed, so a 100-episode season page costs a few ``stat``
calls per episode, not 100 script parses and 100 timeline loads.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from reelwright.api import CheckResult, check_path
from reelwright.documents.approval import Approvals
from reelwright.documents.base import load_document
from reelwright.documents.lock import Lock
from reelwright.documents.season import Season
from reelwright.documents.timeline import Timeline
from reelwright.errors import InputError
from reelwright.project.folder import SCRIPT_SUFFIXES, Project, episode_outputs
from reelwright.project.ledger import read_ledger
from reelwright.project.review import APPROVALS, EpisodeState, cost_by_episode, delivered_episodes, episode_state, input_hash

__all__ = ["ProjectState", "EpisodeCard"]


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


class _Memo:
    """``get(path, parse)``: the parsed file, parsed again only when it changed."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], tuple[Any, Any]] = {}
        self._mutex = threading.Lock()

    def get(self, path: Path, parse: Callable[[Path], Any], kind: str = "") -> Any:
        stamp = _stamp(path)
        key = (str(path), kind)
        with self._mutex:
            hit = self._data.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        value = parse(path) if stamp is not None else None
        with self._mutex:
            self._data[key] = (stamp, value)
        return value


@dataclass(frozen=True)
class EpisodeCard:
    number: int
    title: str
    state: EpisodeState
    seconds: float | None
    shots: int | None
    cost: float
    thumb_frame: int | None  # the frame the card's thumbnail shows
    check: CheckResult | None


def _load_check(path: Path) -> CheckResult | None:
    try:
        return CheckResult.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _load_timeline(path: Path) -> Timeline | None:
    try:
        return load_document(path, Timeline)
    except InputError:
        return None


def _load_lock(path: Path) -> Lock:
    try:
        return load_document(path, Lock)
    except InputError:
        return Lock()


def _card_frame(timeline: Timeline) -> int:
    """The frame a card shows: the middle of the first close-up, else of the first shot."""
    shots = timeline.shots
    pick = next((ts for ts in shots if ts.shot.size in ("CU", "ECU", "MCU")), shots[0] if shots else None)
    return pick.start + pick.frames // 2 if pick is not None else 0


class ProjectState:
    """The project and its build products as the studio shows them, re-read when the files change."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self._memo = _Memo()
        self._project: Project | None = None
        self._signature: tuple | None = None
        self._hashes: dict[tuple, str] = {}
        self._paths: dict[tuple, dict[str, Path]] = {}
        self._mutex = threading.Lock()

    # ---- the project (scripts, boards, bible, settings) ----------------------------------------------
    def _inputs_signature(self) -> tuple:
        files = [self.root / "reelwright.toml", self.root / "bible.yaml"]
        for folder in ("scripts", "boards"):
            try:
                with os.scandir(self.root / folder) as it:
                    files += [Path(e.path) for e in it if e.is_file()]
            except OSError:
                pass
        return tuple(sorted((str(f), _stamp(f)) for f in files
                            if f.parent.name != "scripts" or f.suffix.lower() in SCRIPT_SUFFIXES))

    def project(self) -> Project:
        """The project as the files say now (loaded again only when a setting, script, board or the bible
        changed); raises :class:`InputError` when a file is broken."""
        sig = self._inputs_signature()
        with self._mutex:
            if self._project is not None and sig == self._signature:
                return self._project
        project = Project.load(self.root)
        with self._mutex:
            self._project, self._signature = project, sig
        return project

    # ---- build products ---------------------------------------------------------------------------
    def lock(self, project: Project) -> Lock:
        return self._memo.get(project.lock_path, _load_lock, "lock") or Lock()

    def paths(self, project: Project, number: int) -> dict[str, Path]:
        """The episode's build products (kept per project: path arithmetic is most of a season page's cost)."""
        key = (id(project), number)
        got = self._paths.get(key)
        if got is None:
            got = {**episode_outputs(project, number), "check": check_path(project, number)}
            if len(self._paths) > 20000:
                self._paths.clear()
            self._paths[key] = got
        return got

    def timeline(self, project: Project, number: int) -> Timeline | None:
        return self._memo.get(self.paths(project, number)["timeline"], _load_timeline, "timeline")

    def check(self, project: Project, number: int) -> CheckResult | None:
        return self._memo.get(self.paths(project, number)["check"], _load_check, "check")

    def approvals(self, project: Project) -> Approvals:
        return self._memo.get(project.root / APPROVALS, lambda p: load_document(p, Approvals), "approvals") \
            or Approvals()

    def ledger(self, project: Project) -> list[dict]:
        return self._memo.get(project.build_dir / "ledger.jsonl", read_ledger, "ledger") or []

    def costs(self, project: Project) -> dict[int, float]:
        return self._memo.get(project.build_dir / "ledger.jsonl", lambda p: cost_by_episode(read_ledger(p)),
                              "costs") or {}

    def delivered(self, project: Project) -> set[int]:
        return self._memo.get(project.build_dir / "deliver" / "manifest.json",
                              lambda p: delivered_episodes(project), "delivered") or set()

    def season(self, project: Project) -> Season | None:
        path = project.root / "season.yaml"
        try:
            return self._memo.get(path, lambda p: load_document(p, Season), "season")
        except InputError:
            return None

    def input_hash(self, project: Project, number: int) -> str:
        key = (id(project), number, _stamp(project.board_path(number)))
        with self._mutex:
            if key in self._hashes:
                return self._hashes[key]
        value = input_hash(project, number)
        with self._mutex:
            if len(self._hashes) > 4096:
                self._hashes.clear()
            self._hashes[key] = value
        return value

    def state(self, project: Project, number: int, building: set[int], shared: tuple | None = None
              ) -> EpisodeState:
        """``shared``: (lock, approvals, delivered) read once for a whole season page."""
        lock, approvals, delivered = shared or (self.lock(project), self.approvals(project), self.delivered(project))
        check = self.check(project, number)
        return episode_state(project, number, lock=lock, approvals=approvals,
                             delivered=delivered, checks_ok=None if check is None else check.ok,
                             building=number in building, inputs=lambda: self.input_hash(project, number),
                             built=os.path.isfile(self.paths(project, number)["video"]))

    def cards(self, project: Project, building: set[int]) -> list[EpisodeCard]:
        costs = self.costs(project)
        shared = (self.lock(project), self.approvals(project), self.delivered(project))
        out = []
        for number, src in project.episodes.items():
            timeline = self.timeline(project, number)
            seconds = round(timeline.frames / timeline.fps, 1) if timeline is not None and timeline.fps else None
            out.append(EpisodeCard(number, src.episode.title or "", self.state(project, number, building, shared),
                                   seconds,
                                   len(timeline.shots) if timeline is not None else None, costs.get(number, 0.0),
                                   _card_frame(timeline) if timeline is not None else None,
                                   self.check(project, number)))
        return out

"""Where each episode of a season stands: built, checked, approved, changed since approval, delivered.

Everything here is read from the project folder (the files stay the truth): the episode's video and timeline in
``build/``, its last self-check (``build/epNNN.check.json``), ``approvals.yaml``, the delivery manifest and the
ledger. An approval records the build it saw and a hash of the episode's inputs (its script episode and its
board); an edit after approval changes the hash, so the episode reads as changed until approved again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Callable

from reelwright.documents.approval import Approval, Approvals
from reelwright.documents.base import load_document, save_document
from reelwright.documents.lock import Lock
from reelwright.errors import InputError
from reelwright.project.cache import canonical_json
from reelwright.project.folder import Project, episode_outputs
from reelwright.project.ledger import read_ledger

__all__ = ["APPROVALS", "EpisodeState", "STATES", "approve", "unapprove", "load_approvals", "input_hash",
           "episode_state", "approved_episodes", "delivered_episodes", "cost_by_episode", "video_key", "ledger_records"]

APPROVALS = "approvals.yaml"

# the states an episode card shows, in the order they are told apart
STATES = ("building", "not built", "changed since approval", "delivered", "approved", "self-check failed", "built")


def _strip_lines(value):
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "line"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def input_hash(project: Project, number: int) -> str:
    """A hash of what episode ``number`` is made from: its script (line numbers left out, so an edit of another
    episode in the same file does not count) and its board file."""
    src = project.episodes[number]
    board = project.board_path(number)
    payload = canonical_json({"script": _strip_lines(src.episode.model_dump(mode="json")),
                              "board": board.read_text(encoding="utf-8") if board.is_file() else ""})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def load_approvals(project: Project) -> Approvals:
    path = project.root / APPROVALS
    return load_document(path, Approvals) if path.is_file() else Approvals()


def video_key(lock: Lock, number: int) -> str:
    entry = lock.artifacts.get(f"ep{number:03d}/video")
    return entry.key if entry is not None else ""


def _lock(project: Project) -> Lock:
    try:
        return load_document(project.lock_path, Lock) if project.lock_path.is_file() else Lock()
    except InputError:
        return Lock()


def approve(project: Project, number: int, by: str, note: str = "") -> Approval:
    """Approve the episode as it is built now (``approvals.yaml``); it must be built."""
    by = (by or "").strip()
    if not by:
        raise InputError("who: say who approves (a name or initials)", path=project.root / APPROVALS)
    if len(by) > 80 or "\n" in by:
        raise InputError("who: a name on one line, at most 80 characters", path=project.root / APPROVALS)
    if number not in project.episodes:
        raise InputError(f"no script for episode {number}; have {sorted(project.episodes)}")
    key = video_key(_lock(project), number)
    if not key or not episode_outputs(project, number)["video"].is_file():
        raise InputError(f"episode {number} is not built; build it before approving it")
    approvals = load_approvals(project)
    approval = Approval(by=by, at=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), build=key,
                        inputs=input_hash(project, number), note=note.strip())
    approvals.episodes[number] = approval
    approvals.episodes = dict(sorted(approvals.episodes.items()))
    save_document(approvals, project.root / APPROVALS)
    return approval


def unapprove(project: Project, number: int) -> bool:
    approvals = load_approvals(project)
    if approvals.episodes.pop(number, None) is None:
        return False
    save_document(approvals, project.root / APPROVALS)
    return True


def delivered_episodes(project: Project) -> set[int]:
    """Episodes the last delivery's manifest lists."""
    path = project.build_dir / "deliver" / "manifest.json"
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {int(f["episode"]) for f in files if isinstance(f, dict) and isinstance(f.get("episode"), int)}


_EPISODE_OF = re.compile(r"^ep(\d+)")


def cost_by_episode(records: list[dict]) -> dict[int, float]:
    """Money spent per episode, from the ledger's records (calls named ``epNNN/…``)."""
    out: dict[int, float] = {}
    for r in records:
        m = _EPISODE_OF.match(str(r.get("what", "")))
        if m and r.get("status") == "ok":
            out[int(m.group(1))] = out.get(int(m.group(1)), 0.0) + float(r.get("cost") or 0.0)
    return out


@dataclass(frozen=True)
class EpisodeState:
    number: int
    state: str  # one of STATES
    built: bool
    checks_ok: bool | None  # None: no self-check saved
    approval: Approval | None
    changed_since_approval: bool
    delivered: bool


def episode_state(project: Project, number: int, *, lock: Lock, approvals: Approvals, delivered: set[int],
                  checks_ok: bool | None, building: bool = False, inputs: Callable[[], str] | None = None,
                  built: bool | None = None) -> EpisodeState:
    """``inputs``: gives :func:`input_hash` of the episode, ``built``: whether its video exists (a caller that
    keeps them between calls passes them)."""
    if built is None:
        built = episode_outputs(project, number)["video"].is_file()
    approval = approvals.episodes.get(number)
    current = inputs or (lambda: input_hash(project, number))
    changed = approval is not None and (approval.build != video_key(lock, number) or approval.inputs != current())
    is_delivered = number in delivered
    if building:
        state = "building"
    elif not built:
        state = "not built"
    elif changed:
        state = "changed since approval"
    elif approval is not None and is_delivered:
        state = "delivered"
    elif approval is not None:
        state = "approved"
    elif checks_ok is False:
        state = "self-check failed"
    elif is_delivered:
        state = "delivered"
    else:
        state = "built"
    return EpisodeState(number, state, built, checks_ok, approval, changed, is_delivered)


def approved_episodes(project: Project) -> list[int]:
    """Episodes approved and unchanged since (built as approved): what ``deliver --approved`` delivers."""
    approvals = load_approvals(project)
    lock = _lock(project)
    return [n for n, a in approvals.episodes.items()
            if n in project.episodes and a.inputs == input_hash(project, n) and a.build == video_key(lock, n)]


def ledger_records(project: Project) -> list[dict]:
    return read_ledger(project.build_dir / "ledger.jsonl")

"""One writer per project: the build lock shared by the CLI, the Python API and the studio.

:class:`ProjectLock` takes an exclusive ``fcntl.flock`` on ``build/.reelwright-busy`` and writes who holds it
(pid, host, command, start time) into that file. A second holder (another process, or another thread of this
one) gets :class:`~reelwright.errors.ProjectBusy` naming the holder. The kernel drops a flock when its process
dies, so a lock left by a crashed or killed process is simply taken over (its stale record is overwritten).
Within one thread the lock is re-entrant: a delivery that builds first holds it once.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import threading
import time
from pathlib import Path

from reelwright.errors import ProjectBusy

__all__ = ["ProjectLock", "LOCK_NAME", "lock_holder"]

LOCK_NAME = ".reelwright-busy"

_held: dict[str, tuple[int, int, "ProjectLock"]] = {}  # resolved lock path → (thread id, depth, owner)
_registry = threading.Lock()


def _lock_path(project_root: str | Path) -> Path:
    return Path(project_root).resolve() / "build" / LOCK_NAME


def _describe(info: dict, path: Path) -> str:
    started = info.get("started")
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)) if isinstance(started, (int, float)) else "?"
    return (f"pid {info.get('pid', '?')} on {info.get('host', '?')} running {info.get('command', '?')!r} "
            f"since {when} ({path})")


def lock_holder(project_root: str | Path) -> dict | None:
    """Who holds the project's lock now (pid, host, command, started), or None when it is free."""
    path = _lock_path(project_root)
    key = str(path)
    with _registry:
        if key in _held:
            return dict(_held[key][2].info)
    if not path.is_file():
        return None
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return _read(path)
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        return None


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


class ProjectLock:
    """``with ProjectLock(root, "reelwright build"):`` — the project is ours until the block ends."""

    def __init__(self, project_root: str | Path, command: str | None = None) -> None:
        self.path = _lock_path(project_root)
        self.command = command if command is not None else " ".join(["reelwright", *sys.argv[1:]])
        self.info: dict = {}
        self._fh = None
        self._key = str(self.path)

    def acquire(self) -> "ProjectLock":
        me = threading.get_ident()
        with _registry:
            held = _held.get(self._key)
            if held is not None:
                owner_thread, depth, owner = held
                if owner_thread == me:
                    _held[self._key] = (owner_thread, depth + 1, owner)
                    self.info = owner.info
                    return self
                raise ProjectBusy(f"the project is busy: {_describe(owner.info, self.path)}; wait for it to finish "
                                  "or cancel it")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(self.path, "a+", encoding="utf-8")
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                info = _read(self.path)
                fh.close()
                raise ProjectBusy(f"the project is busy: {_describe(info, self.path)}; wait for it to finish "
                                  "or stop that process") from None
            # ours now; whatever the file says is a stale record of a process that died holding it
            self.info = {"pid": os.getpid(), "host": socket.gethostname(), "command": self.command,
                         "started": time.time()}
            fh.seek(0)
            fh.truncate()
            fh.write(json.dumps(self.info))
            fh.flush()
            self._fh = fh
            _held[self._key] = (me, 1, self)
            return self

    def release(self) -> None:
        with _registry:
            held = _held.get(self._key)
            if held is None:
                return
            owner_thread, depth, owner = held
            if depth > 1:
                _held[self._key] = (owner_thread, depth - 1, owner)
                return
            del _held[self._key]
            fh, owner._fh = owner._fh, None
            if fh is not None:
                fh.seek(0)
                fh.truncate()  # an empty record: nobody holds it
                fh.flush()
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
                fh.close()

    def __enter__(self) -> "ProjectLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

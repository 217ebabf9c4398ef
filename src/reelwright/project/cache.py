"""Content-addressed artifacts under ``build/cache`` and the lock file that says what made them.

A key is the SHA-256 of the canonical JSON of everything an artifact is made
from (inputs, provider and its options, program version). An artifact file is
only ever created by renaming a finished temp file into place, so a crash or
Ctrl-C can leave stray ``*.tmp`` files (cleaned on the next run) but never a
half-written artifact under its final name.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from reelwright import __version__
from reelwright.documents.base import dump_document, load_own_document
from reelwright.documents.lock import Lock, LockEntry
from reelwright.fsutil import atomic_write_bytes, atomic_write_text, clean_orphans, place, temp_path

__all__ = ["Cache", "make_key", "canonical_json"]


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default)


def _default(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot hash {type(value).__name__}")


def make_key(stage: str, inputs: Any) -> str:
    payload = canonical_json({"stage": stage, "inputs": inputs, "version": __version__})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Cache:
    """Artifacts in ``root/<stage>/<key[:2]>/<key><suffix>`` plus the project's lock file."""

    def __init__(self, root: Path, lock_path: Path | None = None) -> None:
        self.root = Path(root)
        self.lock_path = lock_path
        self.lock = Lock()
        if lock_path is not None and Path(lock_path).exists():
            try:
                self.lock = load_own_document(lock_path, Lock)
            except ValueError:
                self.lock = Lock()  # a damaged lock only loses provenance, never artifacts
            for entry in self.lock.artifacts.values():  # locks before 0.1.1 held absolute paths
                if any(os.path.isabs(p) for p in entry.outputs):
                    entry.outputs = [self._relative(p) for p in entry.outputs]
        self.work: Counter[str] = Counter()
        self._mutex = threading.Lock()
        self._saved = dict(self.lock.artifacts)  # what the file holds: a save with nothing new writes nothing
        self._changes = 0  # record() and forget() count; the group index below is rebuilt after a change
        self._groups: tuple[int, dict[str, dict[str, LockEntry]]] | None = None

    @property
    def base(self) -> Path | None:
        """The project folder: the lock's paths are relative to it."""
        return None if self.lock_path is None else Path(self.lock_path).parent

    def _relative(self, path: str | Path) -> str:
        """``path`` as the lock records it: relative to the project (posix), or as given when outside it."""
        if self.base is None:
            return str(Path(path))
        base = os.path.abspath(self.base)
        absolute = os.path.abspath(path)
        if absolute == base:
            return "."
        if absolute.startswith(base.rstrip(os.sep) + os.sep):
            return Path(absolute[len(base.rstrip(os.sep)) + 1:]).as_posix()
        return str(Path(path))

    def output_path(self, recorded: str) -> Path:
        """A path from the lock as a usable path (relative ones resolve against the project)."""
        p = Path(recorded)
        return p if p.is_absolute() or self.base is None else self.base / p

    def path(self, stage: str, key: str, suffix: str) -> Path:
        return self.root / stage / key[:2] / f"{key}{suffix}"

    def has(self, stage: str, key: str, suffix: str) -> bool:
        return self.path(stage, key, suffix).is_file()

    def temp_path(self, final: Path) -> Path:
        return temp_path(final)

    def commit(self, tmp: Path, final: Path) -> Path:
        return place(tmp, final)

    def write_bytes(self, stage: str, key: str, suffix: str, data: bytes) -> Path:
        return atomic_write_bytes(self.path(stage, key, suffix), data)

    def read_json(self, stage: str, key: str) -> Any | None:
        p = self.path(stage, key, ".json")
        if not p.is_file():
            return None
        return json.loads(p.read_text(encoding="utf-8"))

    def write_json(self, stage: str, key: str, value: Any) -> Path:
        return self.write_bytes(stage, key, ".json", canonical_json(value).encode("utf-8"))

    def record(self, name: str, stage: str, key: str, outputs: list[str] | None = None, **meta: Any) -> None:
        """Note in the lock file what produced artifact ``name``."""
        with self._mutex:
            relative = [self._relative(p) for p in outputs or []]
            self.lock.artifacts[name] = LockEntry(stage=stage, key=key, outputs=relative, version=__version__, **meta)
            self._changes += 1

    def forget(self, name: str) -> None:
        """Drop artifact ``name`` from the lock (what recorded it no longer holds)."""
        with self._mutex:
            if self.lock.artifacts.pop(name, None) is not None:
                self._changes += 1

    def group(self, head: str) -> dict[str, LockEntry]:
        """The lock entries named ``head/…`` (``head`` = the first two parts, e.g. ``ep001/image``), from an
        index built once per change of the lock: asking for each of a season's episodes stays linear."""
        with self._mutex:
            if self._groups is None or self._groups[0] != self._changes:
                index: dict[str, dict[str, LockEntry]] = {}
                for name, entry in self.lock.artifacts.items():
                    parts = name.split("/", 2)
                    if len(parts) == 3:
                        index.setdefault(f"{parts[0]}/{parts[1]}", {})[name] = entry
                self._groups = (self._changes, index)
            return dict(self._groups[1].get(head, {}))

    def did(self, stage: str, n: int = 1) -> None:
        """Count work actually done (not cache hits): the build report and tests read it."""
        with self._mutex:
            self.work[stage] += n

    def save_lock(self) -> None:
        """Write the lock file when an entry was recorded, replaced or removed since it was read or written
        (entries are replaced, never changed in place, so comparing identities is enough)."""
        if self.lock_path is not None:
            with self._mutex:
                current = self.lock.artifacts
                if current.keys() == self._saved.keys() and all(current[k] is v for k, v in self._saved.items()) \
                        and Path(self.lock_path).exists():
                    return
                self.lock.artifacts = dict(sorted(current.items()))
                # JSON (which YAML reads too): a season's lock parses in milliseconds
                text = dump_document(self.lock, "json")
                path = Path(self.lock_path)
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    atomic_write_text(path, text)
                self._saved = dict(self.lock.artifacts)

    def clean_temp(self) -> int:
        """Remove temp files left by interrupted runs (never those of a process still running)."""
        return clean_orphans(self.root)

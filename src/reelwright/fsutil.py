"""Files, written once and right: atomic writes, placing finished temp files, hashes, safe names.

The one place reelwright writes, places and hashes files, and the one function that turns a user's text (a
character's name, an episode number) into a file name.

* A write goes to a temp file beside the target (``.NAME.<pid>.<thread>.tmp``), is flushed and fsynced, then
  renamed over the target: a crash leaves the old file or the new one, never half of one. Temp names carry the
  writer's process id so that :func:`clean_orphans` removes only what dead processes left behind.
* New files get the permissions the user's umask gives (as ``open()`` would: 0644 under the usual umask 022), so a
  colleague or a web server can read them; a file that exists keeps its mode.
* A disk that is full, a folder that is not writable or a read-only filesystem raise :class:`StorageError`, one
  plain message naming the path, never a raw ``OSError`` from deep in a stage.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from reelwright.errors import BuildError, InputError

__all__ = [
    "StorageError",
    "atomic_write_bytes",
    "atomic_write_text",
    "temp_path",
    "place",
    "file_sha256",
    "bytes_sha256",
    "safe_name",
    "storage_errors",
    "clean_orphans",
    "pid_alive",
    "TEMP_PATTERN",
    "read_user_bytes",
    "user_file",
]

# errno → what the user can do about it
_ADVICE = {
    errno.ENOSPC: "the disk is full; free some space (deleting build/cache is safe) and run again",
    errno.EDQUOT: "the disk quota is used up; free some space (deleting build/cache is safe) and run again",
    errno.EACCES: "permission denied; make the folder writable for this user",
    errno.EPERM: "operation not permitted; make the folder writable for this user",
    errno.EROFS: "the filesystem is read-only; copy the project to a writable disk",
    errno.ENAMETOOLONG: "the file name is too long for this filesystem",
    errno.EFBIG: "the file is too large for this filesystem",
    errno.EMLINK: "too many links",
}

# ``.NAME.<pid>.<thread>.<n>.tmp`` (what temp_path makes); earlier versions wrote ``.NAME.<pid>.<thread>.tmp``
# and ``.NAME.<pid>.tmp``. The name is matched greedily, so a NAME that ends in digits is not taken for a pid.
TEMP_PATTERN = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.\d+\.\d+\.tmp$")
_OLD_TEMP_PATTERNS = (re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.\d+\.tmp$"),
                      re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp$"))


def _temp_match(name: str) -> re.Match[str] | None:
    for pattern in (TEMP_PATTERN, *_OLD_TEMP_PATTERNS):
        if m := pattern.match(name):
            return m
    return None

_counter = 0
_counter_lock = threading.Lock()


class StorageError(BuildError):
    """A file could not be written: disk full, permission denied, read-only filesystem, … (names the path)."""

    def __init__(self, message: str, path: str | Path | None = None, errno_: int | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else str(path)
        self.errno = errno_

    def __reduce__(self):  # crosses process boundaries (a render worker's disk fills up)
        return (type(self), (str(self), self.path, self.errno))

    @classmethod
    def from_os(cls, path: str | Path | None, exc: OSError) -> "StorageError":
        path = final_name(path if path is not None else (exc.filename or "a file"))
        advice = _ADVICE.get(exc.errno or 0, exc.strerror or str(exc))
        return cls(f"cannot write {path}: {advice} ({errno.errorcode.get(exc.errno or 0, 'error')})", path,
                   exc.errno)

    @staticmethod
    def plain(exc: OSError) -> bool:
        """Whether ``exc`` is one of the storage failures that get a plain message."""
        return exc.errno in _ADVICE


def final_name(path: str | Path) -> str:
    """The file a temp file (``.NAME.<pid>….tmp``) stands for, so that messages name what the user knows."""
    p = Path(path)
    m = _temp_match(p.name)
    return str(path) if m is None else str(p.with_name(m["name"]))


@contextlib.contextmanager
def storage_errors(path: str | Path) -> Iterator[None]:
    """Turn an ``OSError`` raised while writing ``path`` into one plain :class:`StorageError`."""
    try:
        yield
    except StorageError:
        raise
    except OSError as exc:
        if exc.errno in _ADVICE:
            raise StorageError.from_os(path, exc) from None
        raise


def temp_path(final: str | Path) -> Path:
    """A fresh temp name beside ``final`` (``.NAME.<pid>.<thread>.<n>.tmp``); makes the folder."""
    global _counter
    final = Path(final)
    with storage_errors(final.parent):
        final.parent.mkdir(parents=True, exist_ok=True)
    with _counter_lock:
        _counter += 1
        n = _counter
    return final.with_name(f".{final.name}.{os.getpid()}.{threading.get_ident()}.{n}.tmp")


def _keep_mode(tmp: Path, final: Path) -> None:
    """Give ``tmp`` the mode of the file it replaces (a user's 0644 board stays 0644)."""
    try:
        mode = stat.S_IMODE(os.stat(final).st_mode)
    except FileNotFoundError:
        return
    with contextlib.suppress(OSError):
        os.chmod(tmp, mode)


def place(tmp: str | Path, final: str | Path) -> Path:
    """Rename the finished temp file ``tmp`` over ``final`` (same folder, so atomic). The temp file is removed
    when the rename fails."""
    tmp, final = Path(tmp), Path(final)
    try:
        with storage_errors(final):
            _keep_mode(tmp, final)
            os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return final


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path``: a temp file in the same folder, fsync, rename. Never a half-written file;
    a new file gets the umask's permissions, an existing one keeps its mode."""
    path = Path(path)
    tmp = temp_path(path)
    try:
        with storage_errors(path):
            # O_EXCL with 0o666: the kernel applies the umask, like open() and unlike mkstemp's 0600
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return place(tmp, path)


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def bytes_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes (hex), read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_UNSAFE = re.compile(r"[^\w.-]+")


def safe_name(text: str, max_len: int = 40) -> str:
    """A file name for the user's ``text`` (a character's name, a title): a readable slug plus a short hash of the
    exact text, so names that slug alike (``A:B``, ``A B``, ``A*B``) never share a file.

    The result has no path separator, never starts with a dot, is never ``.``/``..`` and has at most
    ``max_len + 9`` characters whatever the input."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    slug = unicodedata.normalize("NFKC", text)
    slug = _UNSAFE.sub("-", slug).strip("-.")[:max_len].strip("-.")
    return f"{slug}-{digest}" if slug else digest


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    except OSError:
        return False
    return True


def clean_orphans(folder: str | Path, *, recursive: bool = True) -> int:
    """Remove temp files (``.NAME.<pid>….tmp``) whose writing process is dead; a live process's (another
    build's, or this one's) are left alone. Returns how many were removed."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    n = 0
    for tmp in folder.rglob(".*.tmp") if recursive else folder.glob(".*.tmp"):
        m = _temp_match(tmp.name)
        if m is None or pid_alive(int(m["pid"])):
            continue
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            tmp.unlink()
            n += 1
    return n


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def user_file(path: str | Path, root: str | Path | None = None, *, what: str = "file") -> Path:
    """``path`` checked as a user's input file: it exists, is a regular file (not a FIFO, a device or a folder)
    and, when ``root`` is given, lies inside the project once symlinks are followed (a symlink inside the
    project is fine). Raises :class:`InputError` naming the path otherwise."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{what} not found", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", path=path) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{what} is {_kind(st.st_mode)}; reelwright reads only regular files", path=path)
    if root is not None:
        real, top = Path(os.path.realpath(path)), Path(os.path.realpath(root))
        if real != top and top not in real.parents:
            raise InputError(f"{what} leads outside the project (to {real}); copy the file into the project folder",
                             path=path)
    return path


def read_user_bytes(path: str | Path, limit: int, root: str | Path | None = None, *, what: str = "file") -> bytes:
    """The bytes of a user's file, refusing FIFOs, devices, symlinks out of ``root`` and files over ``limit``
    bytes (the limit is in the message). Never blocks on a FIFO, never reads /dev/zero forever."""
    path = user_file(path, root, what=what)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", path=path) from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())  # what was opened, not what the name pointed at a moment ago
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{what} is {_kind(st.st_mode)}; reelwright reads only regular files", path=path)
        if st.st_size > limit:
            raise InputError(f"{what} is {st.st_size} bytes; the limit is {limit} bytes", path=path)
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{what} is over the limit of {limit} bytes", path=path)
    return data

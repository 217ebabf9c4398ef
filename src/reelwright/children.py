"""Child processes: workers that end with their parent, and native code run where its crash cannot take
the caller down with it.

A C++ library that aborts (a failed ``CHECK`` in a solver, say) ends the whole Python process: the
command, the studio's server or the test run. :func:`run_in_child` runs such a call in a forked child
instead, so an abort becomes a :class:`ChildCrashed` that names the signal and carries what the library
printed on its way down.
"""

from __future__ import annotations

import ctypes
import faulthandler
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["ChildCrashed", "die_with_parent", "run_in_child", "can_isolate"]

T = TypeVar("T")

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(0.5)


def die_with_parent(parent: int) -> None:
    """Worker initializer: this process ends when ``parent`` does, so a killed build leaves no worker running.

    On Linux the kernel sends SIGKILL when the parent goes (``prctl(PR_SET_PDEATHSIG)``); everywhere a daemon
    thread also checks that the parent is still ours (it is re-parented when the parent dies)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc symbol: the thread below still does it
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="reelwright-parent-watch").start()


class ChildCrashed(Exception):
    """The child died without an answer: killed by a signal, exited, or ran past its time."""

    def __init__(self, how: str, stderr: str = "") -> None:
        self.how = how
        self.stderr = stderr
        last = next((line for line in reversed(stderr.splitlines()) if line.strip()), "")
        super().__init__(how + (f": {last.strip()}" if last else ""))


def can_isolate() -> bool:
    """Whether :func:`run_in_child` really uses a child here (Linux, where fork is safe and cheap)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _child(conn: Any, err_fd: int, parent: int, fn: Callable[..., Any], args: tuple) -> None:
    os.dup2(err_fd, 2)  # what native code prints on its way down comes back to the parent
    faulthandler.disable()  # the parent reports the crash; no Python traceback dump from here
    die_with_parent(parent)
    try:
        answer: tuple[str, Any] = ("ok", fn(*args))
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
        answer = ("error", exc)
    try:
        conn.send(answer)
    except Exception as exc:  # noqa: BLE001 - an unpicklable answer: say what it was
        conn.send(("error", RuntimeError(f"{type(answer[1]).__name__} could not be sent back: {exc}")))


def _how(exitcode: int | None) -> str:
    if exitcode is None:
        return "did not finish"
    if exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with status {exitcode}"


def run_in_child(fn: Callable[..., T], *args: Any, timeout: float) -> T:
    """``fn(*args)`` in a forked child; its return value (which must pickle) or the exception it raised.

    Raises :class:`ChildCrashed` when the child dies without answering or runs past ``timeout`` seconds (it
    is then killed). Where fork is not safe (macOS, Windows) the call runs in this process."""
    if not can_isolate():
        return fn(*args)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    with tempfile.TemporaryFile() as err:
        proc = ctx.Process(target=_child, args=(send, err.fileno(), os.getpid(), fn, args), daemon=True,
                           name="reelwright-isolated")
        proc.start()
        send.close()
        try:
            answer = None
            if receive.poll(timeout):
                try:
                    answer = receive.recv()
                except EOFError:  # the child died before it answered
                    answer = None
            if answer is None and proc.is_alive():
                proc.join(1.0)
            if answer is None and proc.is_alive():
                proc.kill()
                proc.join()
                raise ChildCrashed(f"ran past {timeout:.0f} s and was stopped")
            proc.join()
        finally:
            receive.close()
        if answer is None:
            err.seek(0)
            raise ChildCrashed(_how(proc.exitcode), err.read()[-4000:].decode("utf-8", "replace"))
    kind, value = answer
    if kind == "error":
        raise value
    return value

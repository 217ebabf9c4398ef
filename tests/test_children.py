"""reelwright.children: native crashes in a child become plain errors; and the scheduler's solver survives
one (a CP-SAT abort on a CI machine once took the whole test run down with it)."""

from __future__ import annotations

import os
import time

import pytest

from reelwright.children import ChildCrashed, can_isolate, run_in_child
from reelwright.errors import BuildError
from reelwright.production import solving

pytestmark = pytest.mark.skipif(not can_isolate(), reason="children are forked on Linux only")


def _abort(message: str) -> None:
    os.write(2, message.encode() + b"\n")
    os.abort()


def _raise() -> None:
    raise ValueError("bad value from the child")


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def test_the_answer_comes_back():
    assert run_in_child(divmod, 17, 5, timeout=30) == (3, 2)


def test_an_abort_is_an_exception_with_the_signal_and_what_was_printed():
    with pytest.raises(ChildCrashed) as caught:
        run_in_child(_abort, "F0000 cp_model.cc:42] Check failed: x == y", timeout=30)
    assert caught.value.how == "was killed by SIGABRT"
    assert "Check failed: x == y" in str(caught.value)


def test_an_exception_in_the_child_is_raised_here():
    with pytest.raises(ValueError, match="bad value from the child"):
        run_in_child(_raise, timeout=30)


@pytest.mark.slow
def test_a_child_past_its_time_is_stopped():
    t0 = time.monotonic()
    with pytest.raises(ChildCrashed, match="ran past 1 s"):
        run_in_child(_sleep, 60, timeout=1)
    assert time.monotonic() - t0 < 30


def _model():
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    x = m.new_int_var(0, 10, "x")
    m.add(x <= 7)
    m.maximize(x)
    return m, x


def test_a_solver_crash_on_two_threads_is_solved_again_on_one(monkeypatch, caplog):
    real = solving._solve_here

    def crashes_on_threads(model, variables, seconds, workers):
        if workers > 1:
            _abort("F0000 sat/cp_model_solver.cc:1] Check failed: hint repair")
        return real(model, variables, seconds, workers)

    monkeypatch.setattr(solving, "_solve_here", crashes_on_threads)
    m, x = _model()
    solved = solving.solve_cp(m, [x], seconds=5, workers=2)
    assert (solved.status, solved.values, solved.workers) == ("OPTIMAL", [7], 1)
    assert "on 2 threads was killed by SIGABRT" in caplog.text and "Check failed" in caplog.text


def test_a_solver_crash_on_one_thread_is_a_plain_build_error(monkeypatch):
    monkeypatch.setattr(solving, "_solve_here", lambda *a: _abort("F0000 Check failed: always"))
    m, x = _model()
    with pytest.raises(BuildError, match=r"scheduling solver \(OR-tools [\d.]+\) crashed: it was killed by "
                                         r"SIGABRT: F0000 Check failed: always"):
        solving.solve_cp(m, [x], seconds=5, workers=1)

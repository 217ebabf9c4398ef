"""One CP-SAT run, in a child process.

OR-tools is C++: a failed internal check aborts the whole process, and with it the command, the studio
or a test run (it happened on a CI machine, in ``solve``, with nothing printed but "Aborted"). So the
solver runs in a forked child (:func:`reelwright.children.run_in_child`): a crash on several threads is
retried once on one thread (most of the solver's crashes are races between its workers), and a crash on
one thread is a plain :class:`~reelwright.errors.BuildError` that names the OR-tools version and what it
printed. Forking costs milliseconds; the model is not copied.

The hint is searched from, not repaired (``repair_hint``): OR-tools 9.15's hint repair has a known abort
(google/or-tools#5025), and on ``benchmarks/bench_schedule.py --time-limit 40`` it made no difference
beyond the run-to-run noise (objective 854k–872k with it, 843k–897k without, three runs each).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Any

from reelwright.children import ChildCrashed, run_in_child
from reelwright.errors import BuildError

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

__all__ = ["Solved", "solve_cp"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Solved:
    """What one run found: the status's name, the values of the variables asked for (None without a
    solution), the objective and its bound, and for a proven infeasible model with assumptions the indices
    of the assumptions that are enough to make it so."""

    status: str
    values: list[int] | None
    objective: float
    bound: float
    core: list[int]
    workers: int

    @property
    def found(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")


def _solve_here(model: cp_model.CpModel, variables: list[Any], seconds: float, workers: int) -> Solved:
    from ortools.sat.python import cp_model  # noqa: PLC0415 - heavy (pandas), only when scheduling

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    core = list(solver.sufficient_assumptions_for_infeasibility()) if status == cp_model.INFEASIBLE else []
    return Solved(solver.status_name(status), [int(solver.value(v)) for v in variables] if found else None,
                  float(solver.objective_value) if found else 0.0,
                  float(solver.best_objective_bound) if found else 0.0, core, workers)


def _version() -> str:
    try:
        return metadata.version("ortools")
    except metadata.PackageNotFoundError:
        return "?"


def solve_cp(model: cp_model.CpModel, variables: list[Any], *, seconds: float, workers: int) -> Solved:
    """Solve ``model`` for at most ``seconds`` on ``workers`` threads, in a child process; the values of
    ``variables`` when a solution is found."""
    timeout = 2 * seconds + 60  # the solver keeps its own limit; this only catches a hung child
    try:
        return run_in_child(_solve_here, model, variables, seconds, workers, timeout=timeout)
    except ChildCrashed as crash:
        if workers == 1:
            raise BuildError(f"the scheduling solver (OR-tools {_version()}) crashed: it {crash}. "
                             "Nothing was written; try again, and report it with the project's "
                             "breakdown.yaml and schedule.yaml if it happens again") from crash
        log.warning("the scheduling solver (OR-tools %s) on %d threads %s; solving again on one thread",
                    _version(), workers, crash)
    return solve_cp(model, variables, seconds=seconds, workers=1)

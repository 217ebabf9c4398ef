"""The reelwright error family.

The library raises these; only :mod:`reelwright.cli` turns them into exit codes.
Errors about user input carry the file and line they concern and subclass
:class:`ValueError`, so generic callers can still catch them.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ReelwrightError",
    "InputError",
    "ScriptSyntaxError",
    "ConfigError",
    "ProviderError",
    "BuildError",
    "BudgetError",
    "Cancelled",
    "ProjectBusy",
    "InfeasibleError",
    "Problem",
]


class ReelwrightError(Exception):
    """Base of every error reelwright raises on purpose."""

    exit_code = 1


class Problem:
    """One located problem in a user file: ``file:line: message``."""

    __slots__ = ("path", "line", "message")

    def __init__(self, path: str | Path | None, line: int | None, message: str) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"

    def __repr__(self) -> str:
        return f"Problem({self.path!r}, {self.line!r}, {self.message!r})"


class InputError(ReelwrightError, ValueError):
    """Bad user input (a file we cannot read or that says something invalid).

    Holds one or more :class:`Problem` entries so a loader can report every
    problem at once instead of stopping at the first.
    """

    exit_code = 2

    def __init__(
        self,
        message: str | None = None,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        if problems is None:
            problems = [Problem(path, line, message or "invalid input")]
        self.problems = problems
        self.path = problems[0].path
        self.line = problems[0].line
        super().__init__("\n".join(str(p) for p in problems))


class ScriptSyntaxError(InputError):
    """A script (Fountain or Chinese short-drama format) that cannot be parsed."""


class ConfigError(InputError):
    """A broken ``reelwright.toml``, ``bible.yaml`` or board file."""


class ProviderError(ReelwrightError):
    """A provider (model, voice, image service) failed or is misconfigured."""


class BuildError(ReelwrightError):
    """A build stage failed for a reason that is not bad input."""


class BudgetError(BuildError):
    """A build stopped because its paid provider calls would go over ``[providers] budget``."""

    exit_code = 3


class Cancelled(ReelwrightError):
    """Long work stopped at a cancel request; what was finished is kept and the next run resumes."""

    exit_code = 130


class ProjectBusy(ReelwrightError):
    """Another build, redo, delivery, localisation or export holds the project's lock; the message names it."""

    exit_code = 1


class InfeasibleError(InputError):
    """The schedule's constraints admit no schedule; each problem says which actor, days and scenes."""

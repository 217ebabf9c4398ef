"""reelwright: story → season → scripts → storyboards → pictures → voices → edited 9:16 episodes.

The public Python API is :mod:`reelwright.api` (``from reelwright import api; api.build("my-series")``); its
types are re-exported here. Its verbs stay in ``api``: ``build``, ``check``, ``localise``, ``deliver`` and
``export`` are also the names of reelwright's subpackages, and one name must not mean both. The API is
imported on first use, so ``import reelwright`` (and the CLI's ``--help``) stays fast. See docs/api.md.
"""

from __future__ import annotations

__version__ = "0.1.0"

from reelwright.errors import (
    BuildError,
    Cancelled,
    ConfigError,
    InputError,
    ProjectBusy,
    ProviderError,
    ReelwrightError,
    ScriptSyntaxError,
)

_API = (
    "api", "Project", "BuildPlan", "BuildReport", "RedoResult", "Edit", "CheckItem", "CheckResult", "LocaliseReport",
    "DeliverReport", "ExportReport", "Event", "CancelToken", "ProjectLock",
)

__all__ = [
    "__version__",
    "BuildError",
    "Cancelled",
    "ConfigError",
    "InputError",
    "ProjectBusy",
    "ProviderError",
    "ReelwrightError",
    "ScriptSyntaxError",
    *_API,
]


def __getattr__(name: str):
    if name in _API:
        import reelwright.api  # noqa: PLC0415 - the API pulls in every stage: imported on first use

        return reelwright.api if name == "api" else getattr(reelwright.api, name)
    raise AttributeError(f"module 'reelwright' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))

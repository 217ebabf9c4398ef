"""reelwright: story → season → scripts → storyboards → pictures → voices → edited 9:16 episodes.

The public Python API is :mod:`reelwright.api` (``from reelwright import api; api.build("my-series")``), with an
explicit ``__all__``; see docs/api.md. It is not re-exported name by name here: ``build``, ``check``,
``localise``, ``deliver`` and ``export`` are also reelwright's subpackages, and this package stays free of
imports from the layers above it (no import cycles).
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
]

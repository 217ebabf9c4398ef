"""reelwright: story → season → scripts → storyboards → pictures → voices → edited 9:16 episodes."""

from __future__ import annotations

__version__ = "0.1.0"

from reelwright.errors import (
    BuildError,
    ConfigError,
    InputError,
    ProviderError,
    ReelwrightError,
    ScriptSyntaxError,
)

__all__ = [
    "__version__",
    "BuildError",
    "ConfigError",
    "InputError",
    "ProviderError",
    "ReelwrightError",
    "ScriptSyntaxError",
]

"""Base classes every provider implements, built-in or third-party."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

__all__ = ["Provider", "ProviderOptions", "SpeechProvider", "Audio"]


class ProviderOptions(BaseModel):
    """Typed options of a provider; unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid")


class Provider:
    """A provider: ``kind`` (text/image/speech) and ``name``; options validated by ``Options``."""

    kind: ClassVar[str] = ""
    name: ClassVar[str] = ""
    Options: ClassVar[type[ProviderOptions]] = ProviderOptions

    def __init__(self, options: dict[str, Any] | ProviderOptions | None = None) -> None:
        if isinstance(options, ProviderOptions):
            self.options = options
        else:
            self.options = self.Options.model_validate(options or {})

    def identity(self) -> dict[str, Any]:
        """What goes into cache keys: provider, model/version and options that change the output."""
        return {"provider": f"{self.kind}:{self.name}", "options": self.options.model_dump(mode="json")}


@dataclass
class Audio:
    """Mono float32 samples in [-1, 1] at ``sample_rate``."""

    samples: np.ndarray
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.sample_rate


class SpeechProvider(Provider):
    kind: ClassVar[str] = "speech"

    def synthesize(self, text: str, *, language: str, voice: str | None = None, pitch: float = 0.0,
                   rate: float = 1.0) -> Audio:
        """Speak ``text`` (plain, no markup). ``pitch`` in semitones, ``rate`` a speed multiplier."""
        raise NotImplementedError

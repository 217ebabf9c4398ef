"""The embedded offline picture provider: procedural comic stills (DiceBear characters + drawn sets)."""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any, ClassVar

import numpy as np

from reelwright.documents.bible import Look
from reelwright.documents.storyboard import Shot
from reelwright.media.compose import compose_still
from reelwright.providers.base import Provider, ProviderOptions

__all__ = ["ComicImages", "ComicOptions", "DRAW_VERSION"]

# Bump whenever the drawing code changes what a still looks like: it is part of every cache key.
DRAW_VERSION = "comic-2026.3"


class ComicOptions(ProviderOptions):
    """The comic renderer has no options yet; unknown keys are rejected."""


@lru_cache(maxsize=None)
def _package_version(name: str) -> str:  # read from the installed metadata once a process
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


class ComicImages(Provider):
    """``image:comic`` — draws each shot offline with :func:`reelwright.media.compose.compose_still`."""

    kind: ClassVar[str] = "image"
    name: ClassVar[str] = "comic"
    Options: ClassVar[type[ProviderOptions]] = ComicOptions

    def still(self, shot: Shot, looks: dict[str, Look], width: int, height: int,
              speaker_mouth_open: bool = False) -> np.ndarray:
        """The RGB uint8 still (``height`` x ``width`` x 3) for ``shot``."""

        return compose_still(shot, looks, width, height, speaker_mouth_open=speaker_mouth_open)

    def identity(self) -> dict[str, Any]:
        ident = super().identity()
        ident["draw_version"] = DRAW_VERSION
        ident["dicebear"] = {"core": _package_version("dicebear-core"), "styles": _package_version("dicebear-styles")}
        return ident

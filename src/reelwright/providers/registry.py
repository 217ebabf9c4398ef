"""Provider registry over the ``reelwright.providers`` entry-point group.

Built-in providers are registered through the same entry points as third-party
ones. Each entry point is loaded only when asked for, and a plugin that fails to
import is reported for that provider alone; the rest keep working.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from reelwright.errors import ProviderError
from reelwright.providers.base import Provider

__all__ = ["available", "provider_class", "get_provider", "register"]

GROUP = "reelwright.providers"
log = logging.getLogger(__name__)
_REGISTERED: dict[str, type[Provider]] = {}


def register(spec: str, cls: type[Provider] | None) -> None:
    """Register ``cls`` as ``spec`` in this process (a plugin under development, a test double);
    ``None`` removes it. Entry points are the way to ship a provider."""
    if cls is None:
        _REGISTERED.pop(spec, None)
    else:
        _REGISTERED[spec] = cls


@lru_cache(maxsize=1)
def _entry_points() -> dict[str, EntryPoint]:
    """The group's entry points by name, read once a process (reading them scans every installed package's
    metadata: ~9 ms, paid per provider asked for before)."""
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=GROUP):
        found.setdefault(ep.name, ep)
    return found


def available() -> dict[str, str]:
    """``{"kind:name": "module:attr"}`` for every registered provider (nothing is imported)."""
    out = {name: ep.value for name, ep in _entry_points().items()}
    out.update({spec: f"{cls.__module__}:{cls.__qualname__}" for spec, cls in _REGISTERED.items()})
    return out


def provider_class(spec: str) -> type[Provider]:
    """The class registered as ``spec`` (``kind:name``), imported lazily."""
    if spec in _REGISTERED:
        return _REGISTERED[spec]
    ep = _entry_points().get(spec)
    if ep is None:
        known = ", ".join(sorted(available())) or "none"
        raise ProviderError(f"unknown provider {spec!r}; registered providers: {known}")
    try:
        cls = ep.load()
    except Exception as exc:  # a broken plugin must not take the others down
        log.warning("provider %s failed to load: %s", spec, exc)
        raise ProviderError(f"provider {spec!r} failed to load: {exc}") from exc
    return cls


def get_provider(spec: str, options: dict[str, Any] | None = None, *, root: str | Path | None = None) -> Provider:
    """An instance of the provider registered as ``spec``; ``root`` is the project folder its options'
    relative paths resolve against."""
    cls = provider_class(spec)
    try:
        provider = cls(options)
    except ValueError as exc:
        raise ProviderError(f"bad options for provider {spec!r}: {exc}") from exc
    if root is not None:
        provider.project_root = Path(root)
    return provider

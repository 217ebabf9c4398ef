"""``reelwright.lock``: what produced each artifact (stage, provider, model, seed, input hashes)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from reelwright.documents.base import Document, Model

__all__ = ["Lock", "LockEntry"]


class LockEntry(Model):
    stage: str
    key: str = Field(description="cache key: hash of inputs + provider + options + program version")
    outputs: list[str] = Field(default_factory=list)
    provider: str | None = None
    model: str | None = None
    seed: int | str | None = None
    inputs: dict[str, Any] = Field(default_factory=dict)
    version: str = ""


class Lock(Document):
    KIND: ClassVar[str] = "lock"
    VERSION: ClassVar[int] = 1

    artifacts: dict[str, LockEntry] = Field(default_factory=dict)

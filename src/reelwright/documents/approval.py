"""``approvals.yaml``: which episodes are approved, by whom, when, and which build of them.

An approval names the build it saw (the cache key of the episode's video in ``reelwright.lock``) and a hash of
what the episode is made from (its script episode and its board). An edit after approval changes that hash, so
the episode shows as changed since approval until it is approved again; ``deliver --approved`` delivers only
approved episodes that have not changed.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from reelwright.documents.base import Document, Model

__all__ = ["Approval", "Approvals"]


class Approval(Model):
    by: str = Field(description="who approved")
    at: str = Field(description="when, ISO 8601 in UTC")
    build: str = Field("", description="cache key of the approved video (reelwright.lock epNNN/video)")
    inputs: str = Field("", description="hash of the episode's script and board when it was approved")
    note: str = ""


class Approvals(Document):
    KIND: ClassVar[str] = "approvals"
    VERSION: ClassVar[int] = 1

    episodes: dict[int, Approval] = Field(default_factory=dict)

"""The cut: an episode as integer frames (video) and samples (audio)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from reelwright.documents.base import Document, Model
from reelwright.documents.storyboard import Shot

__all__ = ["Timeline", "TimelineShot", "AudioClip", "Cue"]


class TimelineShot(Model):
    shot: Shot
    start: int = Field(description="first frame")
    frames: int = Field(ge=1)
    fade_in: int = Field(0, ge=0, description="crossfade frames from the previous shot (overlapping its tail)")
    mouth: list[int] = Field(
        default_factory=list,
        description="run lengths of the speaker's mouth state, starting closed: [closed, open, closed, …]",
    )


class AudioClip(Model):
    line: int = Field(description="dialogue index in the episode")
    character: str
    start: int = Field(description="first sample at the timeline's sample rate")
    samples: int
    key: str = Field(description="cache key of the voiced line")


class Cue(Model):
    start: int
    end: int
    text: str
    line: int | None = None


class Timeline(Document):
    KIND: ClassVar[str] = "timeline"
    VERSION: ClassVar[int] = 1

    episode: int
    fps: int = 30
    width: int = 1080
    height: int = 1920
    sample_rate: int = 48000
    frames: int = 0
    shots: list[TimelineShot] = Field(default_factory=list)
    audio: list[AudioClip] = Field(default_factory=list)
    cues: list[Cue] = Field(default_factory=list)

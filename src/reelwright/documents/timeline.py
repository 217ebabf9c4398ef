"""The cut: an episode as integer frames (video) and samples (audio)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from reelwright.documents.base import Document, Model
from reelwright.documents.storyboard import Shot

__all__ = ["Timeline", "TimelineShot", "AudioClip", "Cue", "MusicCue", "StingCue", "ShotMedia", "MediaFile"]


class MediaFile(Model):
    """A generated picture or clip in the cache: the renderer reads ``file``; segment keys hash ``sha256``."""

    file: str = Field(description="absolute path of the file in the build cache")
    sha256: str
    provider: str = Field(description="kind:name of the provider that made it")
    seed: int
    key: str = Field(description="cache key of the request")


class ShotMedia(Model):
    """What a shot shows when the pictures are generated: its still and, with a video provider, its clip."""

    still: MediaFile
    clip: MediaFile | None = None


class TimelineShot(Model):
    shot: Shot
    start: int = Field(description="first frame")
    frames: int = Field(ge=1)
    fade_in: int = Field(0, ge=0, description="crossfade frames from the previous shot (overlapping its tail)")
    mouth: list[int] = Field(
        default_factory=list,
        description="run lengths of the speaker's mouth state, starting closed: [closed, open, closed, …]",
    )
    j_cut: int = Field(0, ge=0, description="frames the shot's line is heard before the cut to it (J-cut)")
    l_cut: int = Field(0, ge=0, description="frames the previous shot's line carries into this one (L-cut)")
    media: ShotMedia | None = Field(None, description="generated still (and clip) this shot shows; empty = "
                                    "drawn by the comic renderer")


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


class MusicCue(Model):
    """A scene's music bed and ambience, in frames."""

    scene: int
    start: int
    end: int
    mood: str = "calm"
    file: str | None = Field(None, description="the user's music file; empty = synthesised")
    ambience: str = Field("room", description="room, street, rain or none")


class StingCue(Model):
    frame: int
    kind: str = Field("hit", description="hit (reversal, reveal, hook) or cliffhanger")
    shot: str = ""
    file: str | None = None


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
    music: list[MusicCue] = Field(default_factory=list)
    stings: list[StingCue] = Field(default_factory=list)

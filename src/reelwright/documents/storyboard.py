"""Storyboards: the shots of an episode, editable by hand in ``boards/epNNN.yaml``."""

from __future__ import annotations

from enum import Enum
from typing import ClassVar, Literal

from pydantic import Field

from reelwright.documents.base import Document, Model

__all__ = ["Storyboard", "Shot", "ShotSize", "Move", "Angle", "SceneSound", "EXPRESSIONS", "MOODS", "CLOSE_SIZES"]

EXPRESSIONS = ("neutral", "happy", "sad", "angry", "surprised", "afraid", "cold")
MOODS = ("calm", "warm", "sad", "tense", "angry", "mystery")
CLOSE_SIZES = ("ECU", "CU", "MCU", "INSERT")  # what counts as a close-up in the close-up share


class ShotSize(str, Enum):
    ECU = "ECU"
    CU = "CU"
    MCU = "MCU"
    MS = "MS"
    WS = "WS"
    EWS = "EWS"
    TWO = "2S"
    OTS = "OTS"
    INSERT = "INSERT"
    POV = "POV"


class Move(str, Enum):
    STATIC = "static"
    PUSH_IN = "push_in"
    PULL_OUT = "pull_out"
    PAN_LEFT = "pan_left"
    PAN_RIGHT = "pan_right"
    TILT_UP = "tilt_up"
    TILT_DOWN = "tilt_down"
    SHAKE = "shake"


class Angle(str, Enum):
    EYE = "eye"
    HIGH = "high"
    LOW = "low"
    DUTCH = "dutch"


Expression = Literal["neutral", "happy", "sad", "angry", "surprised", "afraid", "cold"]


class Shot(Model):
    id: str = Field(description="stable key, e.g. 's02-d03' (scene 2, dialogue 3); edits follow it")
    scene: int = Field(description="1-based scene index in the episode")
    size: ShotSize = ShotSize.MCU
    angle: Angle = Angle.EYE
    move: Move = Move.STATIC
    subjects: list[str] = Field(default_factory=list, description="characters in frame, left to right")
    speaker: str | None = Field(None, description="who speaks during this shot (lip movement)")
    line: int | None = Field(None, description="index of the dialogue line (0-based, in the episode) it carries")
    text: str = Field("", description="the dialogue or action this shot shows (for people; the script is the truth)")
    expressions: dict[str, Expression] = Field(default_factory=dict)
    sides: dict[str, Literal["left", "right", "center"]] = Field(default_factory=dict)
    location: str = ""
    interior: bool = True
    night: bool = False
    caption: str | None = Field(None, description="on-screen text shown during the shot")
    frames: int | None = Field(None, ge=1, description="fixed duration in frames; empty = follow the audio")
    reason: str = Field("", description="why the board chose this shot (rule name)")
    sting: Literal["hit", "cliffhanger"] | None = Field(None, description="a sting lands on this shot: a hit "
                                                        "(reversal, reveal, hook) or the cliffhanger")
    cross: bool = Field(False, description="this shot deliberately crosses the 180° line: from here on the "
                        "characters of the scene swap screen sides")
    props: list[str] = Field(default_factory=list, description="props in frame (for the shot list)")


Mood = Literal["calm", "warm", "sad", "tense", "angry", "mystery"]


class SceneSound(Model):
    """The sound of one scene: the mood its music bed plays, or a music file of yours."""

    scene: int = Field(description="1-based scene index in the episode")
    mood: Mood = "calm"
    music: str | None = Field(None, description="a music file (relative to the project folder) instead of the "
                              "synthesised bed; 'none' for silence")


class Storyboard(Document):
    KIND: ClassVar[str] = "storyboard"
    VERSION: ClassVar[int] = 1

    episode: int
    script_hash: str = Field("", description="hash of the script episode this board was made from")
    shots: list[Shot] = Field(default_factory=list)
    scenes: list[SceneSound] = Field(default_factory=list, description="mood and music of each scene")

"""The series bible: characters (look and voice), locations, props, wardrobe."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from reelwright.documents.base import Document, Model

__all__ = ["Bible", "Character", "Look", "Voice", "Location", "Prop"]


class Look(Model):
    """How the embedded comic renderer draws a character (DiceBear style + seed + fixed options)."""

    style: str = Field("avataaars", description="DiceBear style name")
    seed: str = Field(description="DiceBear seed; the same seed always draws the same face")
    options: dict[str, Any] = Field(default_factory=dict, description="extra DiceBear options (skinColor, top, …)")
    description: str = Field("", description="prose look for image providers: face, hair, build, clothes")


class Voice(Model):
    """How a character sounds. ``provider`` is a speech provider name (``piper``, ``espeak``, …)."""

    provider: str | None = Field(None, description="speech provider; default chosen by the project language")
    voice: str | None = Field(None, description="provider voice/model name (e.g. an espeak variant 'f3')")
    pitch: float = Field(0.0, ge=-12, le=12, description="pitch shift in semitones")
    rate: float = Field(1.0, ge=0.5, le=2.0, description="speaking-rate multiplier")
    reference: str | None = Field(None, description="an audio file of this voice (relative to the project "
                                  "folder) for speech providers that clone; others ignore it")


class Character(Model):
    name: str
    aliases: list[str] = Field(default_factory=list)
    age: int | None = None
    gender: Literal["female", "male", "other", ""] = ""
    description: str = ""
    look: Look
    voice: Voice = Field(default_factory=Voice)
    wardrobe: list[str] = Field(default_factory=list, description="what the character wears (one outfit a line)")
    role: str = Field("", description="story role: protagonist, antagonist, love interest, ally, …")
    goals: list[str] = Field(default_factory=list, description="what the character wants")
    secrets: list[str] = Field(default_factory=list, description="what the character hides")
    relationships: dict[str, str] = Field(default_factory=dict,
                                          description="other character's name → what they are to this one")


class Location(Model):
    name: str
    interior: bool | None = Field(None, description="None: decided from the scene heading")
    description: str = ""
    palette: int = Field(0, description="seed for the procedural background of this location")


class Prop(Model):
    name: str
    description: str = ""


class Bible(Document):
    KIND: ClassVar[str] = "bible"
    VERSION: ClassVar[int] = 1

    title: str = ""
    language: str = "en"
    logline: str = Field("", description="the series in one sentence")
    genre: str = Field("", description="trope or genre: contract marriage, rebirth and revenge, family drama, …")
    tone: str = ""
    period: str = Field("", description="when the story is set (present day, 1980s, Republic era, …)")
    dialect: str = Field("", description="how the characters speak, when not the standard language")
    characters: list[Character] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)
    props: list[Prop] = Field(default_factory=list)

    def character(self, name: str) -> Character | None:
        key = name.casefold()
        for c in self.characters:
            if c.name.casefold() == key or key in (a.casefold() for a in c.aliases):
                return c
        return None

    def location(self, name: str) -> Location | None:
        key = name.casefold()
        return next((loc for loc in self.locations if loc.name.casefold() == key), None)

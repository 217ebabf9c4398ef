"""The breakdown: every scene of every episode as a line producer reads it, in ``breakdown.yaml``.

Each scene carries its set and shooting location, INT/EXT and time of day, the story day it falls on,
its cast (speaking or not, with the costume each wears and their injuries), extras, props, set dressing,
vehicles, animals, makeup, special effects, stunts and its length. ``reelwright breakdown`` writes it
from the scripts and the bible; every field is the producer's to edit, and edits are kept on re-runs.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from reelwright.documents.base import Document, Model

__all__ = ["Breakdown", "SceneBreakdown", "CastEntry", "Extras", "PropUse", "Wear", "scene_id", "BREAKDOWN_FILE",
           "Wardrobe"]

BREAKDOWN_FILE = "breakdown.yaml"  # in the project folder


def scene_id(episode: int, scene: int) -> str:
    """The stable key of a scene: ``ep003-s02`` is episode 3's second scene."""
    return f"ep{episode:03d}-s{scene:02d}"


class CastEntry(Model):
    name: str = Field(description="the character, as the bible names them")
    speaking: bool = Field(True, description="has lines in the scene")
    costume: str = Field("", description="the costume worn in this scene: a name from the script "
                         "('red sweater', '婚纱') or a numbered change ('change 2'); one per story day")
    wears: str = Field("", description="what the pictures show the character wearing ('' = the bible's look)")
    colour: str | None = Field(None, pattern=r"^#[0-9a-f]{6}$", description="the costume's main colour; drawn "
                               "characters wear it")
    change: bool = Field(False, description="the costume changes in this scene (a new one from here on)")
    injuries: list[str] = Field(default_factory=list, description="injuries and damage shown (persist until "
                                "'healed' names them)")
    healed: list[str] = Field(default_factory=list, description="injuries that end in this scene")


class Extras(Model):
    description: str
    count: int = Field(1, ge=1)


class PropUse(Model):
    name: str
    hero: bool = Field(False, description="handled or featured (a hero prop) rather than background")


class Wear(Model):
    """What one character wears in one scene, as the pictures need it."""

    costume: str = ""
    wears: str = ""
    colour: str | None = None


Wardrobe = dict[int, dict[str, Wear]]  # scene → character → what they wear (one episode)


class SceneBreakdown(Model):
    id: str = Field(description="stable key 'ep001-s02' (episode 1, scene 2); edits follow it")
    episode: int
    scene: int = Field(description="1-based scene index in the episode")
    number: str | None = Field(None, description="the script's scene number ('1-2', '12A')")
    heading: str = ""
    source: str = Field("", description="script file and line")
    set: str = Field("", description="the set as the script names it")
    location: str = Field("", description="where it is shot; scenes sharing a location need no company move")
    int_ext: Literal["INT", "EXT", "INT/EXT"] = "INT"
    time_of_day: str = Field("DAY", description="DAY, NIGHT, DAWN, DUSK, MORNING, EVENING …")
    night: bool = False
    story_day: int = Field(1, description="the day of the story the scene falls on (flashbacks before day 1 "
                           "are 0 or less)")
    flashback: bool = False
    synopsis: str = ""
    cast: list[CastEntry] = Field(default_factory=list)
    extras: list[Extras] = Field(default_factory=list)
    props: list[PropUse] = Field(default_factory=list)
    set_dressing: list[str] = Field(default_factory=list)
    vehicles: list[str] = Field(default_factory=list)
    animals: list[str] = Field(default_factory=list)
    makeup: list[str] = Field(default_factory=list)
    sfx: list[str] = Field(default_factory=list)
    stunts: list[str] = Field(default_factory=list)
    frames: int = Field(0, ge=0, description="screen length in frames at the breakdown's fps")
    length_from: Literal["cut", "estimate", "producer"] = "estimate"
    eighths: int | None = Field(None, ge=1, description="page length in eighths (Fountain scripts)")
    notes: str = ""

    def member(self, name: str) -> CastEntry | None:
        key = name.casefold()
        return next((c for c in self.cast if c.name.casefold() == key), None)


class Breakdown(Document):
    KIND: ClassVar[str] = "breakdown"
    VERSION: ClassVar[int] = 1

    title: str = ""
    fps: int = Field(30, ge=1, description="frame rate of the scene lengths")
    scenes: list[SceneBreakdown] = Field(default_factory=list)

    def scene(self, episode: int, scene: int) -> SceneBreakdown | None:
        key = scene_id(episode, scene)
        return next((s for s in self.scenes if s.id == key), None)

    def seconds(self, sc: SceneBreakdown) -> float:
        return sc.frames / self.fps

    def wardrobe(self, episode: int) -> Wardrobe:
        """``{scene: {character: Wear}}`` for one episode: what the pictures dress each character in."""
        out: dict[int, dict[str, Wear]] = {}
        for sc in self.scenes:
            if sc.episode == episode:
                out[sc.scene] = {c.name: Wear(costume=c.costume, wears=c.wears, colour=c.colour) for c in sc.cast}
        return out

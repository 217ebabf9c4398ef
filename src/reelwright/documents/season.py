"""The season plan (``season.yaml``): arc, episodes, beats, hooks, cliffhangers, the paywall.

The structure is decided in code (:mod:`reelwright.writing.plan`): how many
episodes, how long, which act each belongs to, where the beats fall (a hook in
the first 3 seconds, a turn about every 15, a cliffhanger in the last 10), how
strong each cliffhanger is and where the paywall goes. The model only fills
the short texts (title, synopsis, what happens in a beat). After an episode's
script is written its ``summary`` holds what happened, the running summary the
next episodes are written from.

Beat times are whole seconds from the start of the episode: a plan, not a
timing (the cut stage times the real episode in frames).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from reelwright.documents.base import Document, Model

__all__ = ["Season", "EpisodePlan", "Beat", "Act", "BEAT_KINDS", "ACT_NAMES"]

BEAT_KINDS = ("hook", "turn", "cliffhanger")
ACT_NAMES = ("setup", "escalation", "midpoint", "climax")


class Beat(Model):
    kind: Literal["hook", "turn", "cliffhanger"] = Field(description="hook: first 3 s; turn: a reversal about "
                                                         "every 15 s; cliffhanger: the last 10 s")
    start: int = Field(ge=0, description="whole seconds from the episode start")
    end: int = Field(ge=0, description="whole seconds from the episode start")
    purpose: str = Field("", description="what the beat must do (decided by the plan)")
    speakers: list[str] = Field(default_factory=list, description="who may speak in this beat (bible names)")
    text: str = Field("", description="what happens, filled by the writer")


class Act(Model):
    name: Literal["setup", "escalation", "midpoint", "climax"]
    first: int = Field(ge=1, description="first episode of the act")
    last: int = Field(ge=1, description="last episode of the act")
    purpose: str = ""


class EpisodePlan(Model):
    number: int = Field(ge=1)
    act: Literal["setup", "escalation", "midpoint", "climax"]
    title: str = ""
    synopsis: str = Field("", description="one or two sentences, filled by the writer")
    location: str = Field("", description="main location (a bible location)")
    locations: list[str] = Field(default_factory=list, description="every location, in scene order")
    cast: list[str] = Field(default_factory=list, description="characters who appear (bible names)")
    exits: list[str] = Field(default_factory=list, description="characters who leave the story for good here")
    cliffhanger_strength: int = Field(5, ge=1, le=10, description="how hard the episode ends (10 = strongest)")
    paywall: bool = Field(False, description="viewers pay to watch past this episode")
    beats: list[Beat] = Field(default_factory=list)
    summary: str = Field("", description="what happened, filled after the script is written")


class Season(Document):
    KIND: ClassVar[str] = "season"
    VERSION: ClassVar[int] = 1

    title: str = ""
    language: str = "en"
    logline: str = ""
    genre: str = ""
    tone: str = ""
    premise: str = Field("", description="the premise (or a digest of the source text) the season grew from")
    episode_count: int = Field(30, ge=1, le=300)
    target_seconds: int = Field(60, ge=15, le=600, description="target length of each episode")
    paywall_after: int | None = Field(10, ge=1, description="the paywall comes after this episode")
    acts: list[Act] = Field(default_factory=list)
    episodes: list[EpisodePlan] = Field(default_factory=list)

    def episode(self, number: int) -> EpisodePlan | None:
        return next((e for e in self.episodes if e.number == number), None)

    def exited_before(self, number: int) -> dict[str, int]:
        """``{name: episode}`` for characters who left the story before episode ``number``."""
        out: dict[str, int] = {}
        for e in self.episodes:
            if e.number < number:
                for name in e.exits:
                    out.setdefault(name, e.number)
        return out

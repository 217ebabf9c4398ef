"""What ``reelwright insights`` finds, as typed results; ``--json`` prints :class:`Findings` in this schema.

Seconds appear here (this is an edge: numbers for people and for other tools); rates are fractions 0–1.
The JSON schema is ``Findings.model_json_schema()``; the golden copy is tests/golden/insights.schema.json
(regenerate with ``python -m reelwright.insights.findings tests/golden/insights.schema.json``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Literal

from pydantic import Field

from reelwright.documents.base import Model, atomic_write_text

__all__ = ["Findings", "EpisodeFindings", "Drop", "ShotSpan", "Funnel", "FunnelStep", "Paywall",
           "PaywallCandidate", "Relation", "Suggestion", "Method", "FINDINGS_VERSION"]

FINDINGS_VERSION = 1


class ShotSpan(Model):
    id: str
    start: float = Field(description="seconds from the episode start")
    end: float
    size: str
    speaker: str | None = None
    sting: str | None = Field(None, description="hit or cliffhanger when a sting lands on the shot")


class Drop(Model):
    second: int = Field(description="viewers left between this second and the next faster than the trend")
    seconds: list[int] = Field(description="every second of the drop (adjacent seconds are one drop)")
    hazard: float = Field(description="share of the viewers still watching who left in that second")
    baseline: float = Field(description="the curve's own trend of that share at that second")
    excess: float = Field(description="hazard - baseline at the peak second")
    z: float = Field(description="excess over its binomial standard error at the peak second")
    p: float = Field(description="binomial tail probability of that many leavers under the trend")
    lost: float = Field(description="share of the episode's starting viewers lost beyond the trend over the drop")
    shot: str | None = Field(None, description="the shot on screen (None when the episode is not built)")
    size: str | None = None
    speaker: str | None = Field(None, description="who is speaking (or the shot's speaker)")
    line: str | None = Field(None, description="the line heard or the subtitle shown at that second")
    line_index: int | None = None
    seconds_since_turn: float | None = Field(None, description="since the last turn (or the start when none)")
    in_opening: bool = Field(description="within the first targets.hook_seconds")
    in_cliffhanger: bool = Field(description="within the last targets.cliffhanger_seconds")
    sting: str | None = Field(None, description="a sting (hit or cliffhanger) on the shot")
    beat: str | None = Field(None, description="the season plan's beat at that second: hook, turn or cliffhanger")


class EpisodeFindings(Model):
    episode: int
    built: bool = Field(description="the episode's timeline was found in build/")
    duration: float | None = Field(None, description="seconds, from the built timeline")
    plays: float | None = None
    completion_rate: float | None = None
    next_episode_rate: float | None = None
    unlock_rate: float | None = None
    retention_3s: float | None = None
    retention_30s: float | None = None
    first_line: float | None = Field(None, description="seconds to the first spoken line")
    hook: float | None = Field(None, description="seconds to the hook: the first sting or close-up line")
    craft: dict[str, float] = Field(default_factory=dict, description="the craft measures of the built episode")
    drops: list[Drop] = Field(default_factory=list)
    curve: list[float] = Field(default_factory=list, description="retention per second from second 0")
    trend: list[float] = Field(default_factory=list, description="the baseline hazard per second")
    turns: list[float] = Field(default_factory=list, description="seconds of the turns in the built timeline")
    shots: list[ShotSpan] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class FunnelStep(Model):
    episode: int
    plays: float | None = None
    share_of_first: float | None = Field(None, description="plays / plays of the first episode")
    continuation: float | None = Field(None, description="next_episode_rate, or plays(n+1)/plays(n)")
    measured: Literal["rate", "plays", "none"] = Field(description="where the continuation comes from")


class Funnel(Model):
    steps: list[FunnelStep] = Field(default_factory=list)
    weakest: int | None = Field(None, description="the episode after which the largest share of viewers stops")


class PaywallCandidate(Model):
    after: int
    reach: float = Field(description="viewers who start this episode, per 1000 who start episode 1")
    continuation: float
    unlock_rate: float
    unlock_estimated: bool = Field(description="the unlock rate comes from the model, not the platform's numbers")
    payers: float = Field(description="expected payers per 1000 who start episode 1")


class Paywall(Model):
    model: str = Field(description="the revenue model in words")
    recommended_after: int | None = None
    planned_after: int | None = Field(None, description="season.yaml's paywall_after")
    payers_recommended: float | None = None
    payers_planned: float | None = None
    gain: float | None = Field(None, description="payers_recommended / payers_planned - 1")
    candidates: list[PaywallCandidate] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class Relation(Model):
    measure: str = Field(description="craft measure (first_line, hook, turn_gap, asl, close_up_share, length)")
    outcome: str = Field(description="retention_3s, retention_30s, completion_rate or next_episode_rate")
    n: int = Field(description="episodes with both numbers")
    status: Literal["effect", "no clear effect", "too few episodes"]
    rho: float | None = Field(None, description="Spearman rank correlation")
    rho_low: float | None = None
    rho_high: float | None = None
    slope: float | None = Field(None, description="Theil-Sen slope: outcome change per unit of the measure")
    slope_low: float | None = None
    slope_high: float | None = None
    p: float | None = Field(None, description="two-sided p of rho (Fisher z)")
    p_adjusted: float | None = Field(None, description="Holm-adjusted over all pairs of the season")


class Suggestion(Model):
    kind: Literal["paywall", "opening", "turn", "drop", "cliffhanger", "craft"]
    episode: int | None = None
    text: str


class Method(Model):
    drops: str
    craft: str
    paywall: str
    min_episodes: int
    false_positive_rate: float = Field(description="stated chance of a false drop in an episode, or of a "
                                       "false craft effect in a season, when nothing is there")


class Findings(Model):
    schema_version: int = FINDINGS_VERSION
    project: str
    metrics: list[str] = Field(description="the metrics files read")
    episodes: list[EpisodeFindings] = Field(default_factory=list)
    funnel: Funnel = Field(default_factory=Funnel)
    paywall: Paywall
    craft: list[Relation] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list)
    method: Method
    notes: list[str] = Field(default_factory=list)

    def episode(self, number: int) -> EpisodeFindings | None:
        return next((e for e in self.episodes if e.episode == number), None)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def schema_json() -> str:
    return json.dumps(Findings.model_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # python -m reelwright.insights.findings PATH: write the golden schema
    atomic_write_text(Path(sys.argv[1]), schema_json())

"""Suggestions for the writers, drawn from the findings. They go into the report; nothing is ever applied
to the scripts or the season plan."""

from __future__ import annotations

import statistics

from reelwright.insights.craft import MEASURES, OUTCOMES
from reelwright.insights.findings import Findings, Suggestion
from reelwright.project.settings import TargetsSection

__all__ = ["suggest", "clock"]


def clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"


def _pct(v: float) -> str:
    return f"{v * 100:.1f}%"


def suggest(findings: Findings, targets: TargetsSection, max_drops: int = 12) -> list[Suggestion]:
    out: list[Suggestion] = []
    pw = findings.paywall
    if pw.recommended_after is not None:
        if pw.planned_after is not None and pw.planned_after != pw.recommended_after and pw.gain is not None:
            out.append(Suggestion(kind="paywall", episode=pw.recommended_after, text=(
                f"Move the paywall from after episode {pw.planned_after} to after episode {pw.recommended_after}: "
                f"{pw.payers_recommended:.1f} instead of {pw.payers_planned:.1f} payers per 1000 viewers of "
                f"episode 1 (+{pw.gain * 100:.0f}%) under the season-pass model; end episode "
                f"{pw.recommended_after} on the season's strongest cliffhanger.")))
        elif pw.planned_after is None:
            out.append(Suggestion(kind="paywall", episode=pw.recommended_after, text=(
                f"Put the paywall after episode {pw.recommended_after} ({pw.payers_recommended:.1f} payers per "
                f"1000 viewers of episode 1 under the season-pass model).")))
    with3 = [e.retention_3s for e in findings.episodes if e.retention_3s is not None]
    median3 = statistics.median(with3) if with3 else None
    for e in findings.episodes:
        slow = e.first_line is not None and e.first_line > targets.first_line_seconds
        low = median3 is not None and e.retention_3s is not None and e.retention_3s < median3 - 0.02
        if e.built and (slow or (low and e.hook is None)):
            what = (f"the first line comes at {e.first_line:.1f} s" if slow else "there is no hook (no sting, no "
                    "close-up line)")
            keep = f", 3-s retention {_pct(e.retention_3s)} (season median {_pct(median3)})" if low else ""
            out.append(Suggestion(kind="opening", episode=e.episode, text=(
                f"Episode {e.episode}: {what}{keep}. Open on a line or the most striking shot sooner.")))
    drops = sorted(((d, e.episode) for e in findings.episodes for d in e.drops), key=lambda x: -x[0].lost)
    for d, number in drops[:max_drops]:
        where = f"episode {number} at {clock(d.second)}"
        if d.shot is None:
            out.append(Suggestion(kind="drop", episode=number, text=(
                f"{where.capitalize()} loses {_pct(d.lost)} of its viewers beyond the trend; build the episode to "
                f"see which shot and line it is.")))
            continue
        said = f", {d.speaker}: \u201c{d.line}\u201d" if d.line else ""
        text = f"{where.capitalize()} loses {_pct(d.lost)} of its viewers beyond the trend on shot {d.shot} " \
               f"({d.size}{said})"
        if d.in_cliffhanger:
            kind, advice = "cliffhanger", (" in the cliffhanger: viewers leave before the hook of the next "
                                           "episode lands; end sooner or on a sharper question.")
        elif d.seconds_since_turn is not None and d.seconds_since_turn > targets.turn_seconds:
            kind, advice = "turn", (f", {d.seconds_since_turn:.1f} s after the last turn: a reversal or a reveal "
                                    f"around here (every ~{targets.turn_seconds:g} s) would hold them.")
        else:
            kind, advice = "drop", ": look at this shot and line (confusing, slow, or a scene change?)."
        out.append(Suggestion(kind=kind, episode=number, text=text + advice))
    conts = [e.next_episode_rate for e in findings.episodes if e.next_episode_rate is not None]
    if len(conts) >= 4:
        med = statistics.median(conts)
        for e in findings.episodes:
            if e.built and e.next_episode_rate is not None and e.next_episode_rate < med - 0.05 and not any(
                    s.sting == "cliffhanger" for s in e.shots):
                out.append(Suggestion(kind="cliffhanger", episode=e.episode, text=(
                    f"Episode {e.episode}: only {_pct(e.next_episode_rate)} go on to the next episode (season "
                    f"median {_pct(med)}) and it has no cliffhanger sting: end on an open question.")))
    for r in findings.craft:
        if r.status == "effect":
            direction = "higher" if r.rho > 0 else "lower"
            slope = f"{r.slope:+.4f} per unit" + (f", {r.slope_low:+.4f} to {r.slope_high:+.4f}"
                                                 if r.slope_low is not None and r.slope_high is not None else "")
            out.append(Suggestion(kind="craft", text=(
                f"Across {r.n} episodes, those with a higher {MEASURES[r.measure]} have {direction} "
                f"{OUTCOMES[r.outcome]} (rho {r.rho:+.2f}, 95% CI {r.rho_low:+.2f} to {r.rho_high:+.2f}; "
                f"{slope}). A relation, not proof of cause: test it in the next episodes.")))
    return out

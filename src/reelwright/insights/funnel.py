"""The season funnel and where the paywall would earn most.

**Funnel.** Per episode: plays, their share of episode 1's plays, and the continuation to the next episode
(the platform's next-episode rate, 追剧率, or else plays(n+1) / plays(n)).

**Paywall model** (a season pass: one payment unlocks the rest of the season). Out of 1000 viewers who
start episode 1, reach(k) start episode k, with reach(k+1) = reach(k) × continuation(k). A paywall after
episode k is met by everyone who finishes k and wants more; the share of episode k's viewers who pay is
its unlock rate u(k) (解锁率, defined here as unlocks / viewers of episode k), so the expected payers are
reach(k) × u(k) and the recommendation is the k with the most. Where the platform gives no unlock rate for
an episode (it only measures one where a wall was), it is estimated as u(k) = continuation(k) × w(k): w is
the share of viewers who would go on for free who also pay, fitted as w = a + b·ln k over the episodes where
both rates are known (a constant when fewer than two episodes have both, which can only favour earlier
walls: the note says so). Estimated candidates are marked. The model ignores ad revenue before the wall
and the price; say so when presenting it.
"""

from __future__ import annotations

import math

import numpy as np

from reelwright.insights.findings import Funnel, FunnelStep, Paywall, PaywallCandidate
from reelwright.insights.metrics import SeasonMetrics

__all__ = ["funnel_of", "paywall_of", "PAYWALL_MODEL"]

PAYWALL_MODEL = ("season pass: expected payers per 1000 viewers of episode 1 = reach(k) x unlock rate(k); "
                 "missing unlock rates = continuation(k) x w(k), w = a + b ln k fitted where both are known")


def _continuation(metrics: SeasonMetrics, n: int) -> tuple[float | None, str]:
    ep = metrics.episodes.get(n)
    nxt = metrics.episodes.get(n + 1)
    if ep is not None and ep.next_episode_rate is not None:
        return ep.next_episode_rate, "rate"
    if ep is not None and nxt is not None and ep.plays and nxt.plays is not None:
        return min(nxt.plays / ep.plays, 1.0), "plays"
    return None, "none"


def funnel_of(metrics: SeasonMetrics) -> Funnel:
    numbers = sorted(metrics.episodes)
    first = metrics.episodes[numbers[0]].plays if numbers else None
    steps = []
    for n in numbers:
        ep = metrics.episodes[n]
        cont, how = _continuation(metrics, n) if n != numbers[-1] else (ep.next_episode_rate,
                                                                          "rate" if ep.next_episode_rate is not None
                                                                          else "none")
        steps.append(FunnelStep(episode=n, plays=ep.plays, share_of_first=round(ep.plays / first, 4)
                                if first and ep.plays is not None else None,
                                continuation=round(cont, 4) if cont is not None else None, measured=how))
    inner = [s for s in steps if s.continuation is not None and s.episode != numbers[-1]]
    weakest = min(inner, key=lambda s: s.continuation).episode if inner else None
    return Funnel(steps=steps, weakest=weakest)


def _willingness(metrics: SeasonMetrics, cont: dict[int, float]) -> tuple[callable, str] | tuple[None, str]:
    known = [(k, metrics.episodes[k].unlock_rate / cont[k]) for k in sorted(metrics.episodes)
             if metrics.episodes[k].unlock_rate is not None and cont.get(k)]
    if not known:
        return None, "no episode has both an unlock rate and a continuation"
    ks = np.array([math.log(k) for k, _w in known])
    ws = np.array([w for _k, w in known])
    if len(set(ks)) < 2:
        w0 = float(ws.mean())
        return (lambda k: w0), (f"w (who pays among those who would go on) = {w0:.3f} from episode "
                                f"{known[0][0]} alone; with one measured wall the model cannot see w grow "
                                f"with episodes watched, which favours earlier walls")
    b, a = np.polyfit(ks, ws, 1)
    return (lambda k: float(np.clip(a + b * math.log(k), 0.0, 1.0))), (
        f"w = {a:.3f} + {b:.3f} ln k fitted on {len(known)} episode(s) with both rates")


def paywall_of(metrics: SeasonMetrics, planned_after: int | None = None) -> Paywall:
    numbers = sorted(metrics.episodes)
    notes: list[str] = []
    if len(numbers) < 2:
        return Paywall(model=PAYWALL_MODEL, planned_after=planned_after,
                       notes=["a paywall needs at least two episodes in the metrics"])
    cont: dict[int, float] = {}
    for n in numbers[:-1]:
        c, _how = _continuation(metrics, n)
        if c is not None:
            cont[n] = c
    w, how = _willingness(metrics, cont)
    notes.append(how)
    candidates: list[PaywallCandidate] = []
    reach = 1000.0
    for n in numbers[:-1]:
        if n != numbers[0] and (n - 1) not in cont:
            notes.append(f"no continuation for episode {n - 1}: the model stops at episode {n - 1}")
            break
        if n != numbers[0]:
            reach *= cont[n - 1]
        c = cont.get(n)
        if c is None:
            break
        u = metrics.episodes[n].unlock_rate
        estimated = u is None
        if estimated:
            if w is None:
                continue
            u = c * w(n)
        candidates.append(PaywallCandidate(after=n, reach=round(reach, 2), continuation=round(c, 4),
                                           unlock_rate=round(u, 4), unlock_estimated=estimated,
                                           payers=round(reach * u, 3)))
    if not candidates:
        notes.append("no unlock rate (unlock_rate / 解锁率) in the metrics: add it for at least one episode")
        return Paywall(model=PAYWALL_MODEL, planned_after=planned_after, notes=notes)
    best = max(candidates, key=lambda c: (c.payers, -c.after))
    planned = next((c for c in candidates if c.after == planned_after), None)
    gain = None
    if planned is not None and planned.payers > 0:
        gain = round(best.payers / planned.payers - 1.0, 4)
    elif planned_after is not None:
        notes.append(f"the planned paywall (after episode {planned_after}) is outside the episodes the metrics "
                     "cover")
    return Paywall(model=PAYWALL_MODEL, recommended_after=best.after, planned_after=planned_after,
                   payers_recommended=best.payers, payers_planned=planned.payers if planned else None, gain=gain,
                   candidates=candidates, notes=notes)

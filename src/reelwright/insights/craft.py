"""Craft measures of the built episodes against retention and completion, with honest uncertainty.

The measures are the ones ``reelwright check`` computes on the timeline (one rule, one place:
:func:`reelwright.check.report.check_timeline`): time to the first line, the longest stretch without a turn,
average shot length, close-up share and length; plus the time to the hook (the first sting or the first
line spoken on a close shot). Outcomes: 3-s and 30-s retention, completion rate, next-episode rate.

**Method.** For every measure × outcome pair with at least ``MIN_EPISODES`` episodes holding both numbers:
Spearman's rank correlation ρ with a 95 % interval from the Fisher z transform (standard error
√(1.06/(n−3)), Fieller et al. 1957), its two-sided p, and the Theil–Sen slope with its 95 % interval (the
outcome's change per unit of the measure). A pair is reported as an **effect** when its p, Holm-adjusted over
every pair of the season, is below 0.05, so a season where nothing is related shows an effect in at most
about 5 % of seasons (the test suite measures it on simulated seasons). Below ``MIN_EPISODES`` episodes the
pair says "too few episodes": with fewer, an interval for ρ spans most of −1…1 and the Fisher approximation
is poor.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from reelwright.check.report import check_timeline
from reelwright.documents.timeline import Timeline
from reelwright.insights.findings import Relation
from reelwright.project.folder import Project

__all__ = ["MEASURES", "OUTCOMES", "MIN_EPISODES", "ALPHA", "craft_of", "hook_seconds", "relate", "holm"]

MEASURES = {
    "first_line": "seconds to the first line",
    "hook": "seconds to the hook",
    "turn_gap": "longest seconds without a turn",
    "asl": "average shot length (s)",
    "close_up_share": "close-up share",
    "length": "episode length (s)",
}
OUTCOMES = {
    "retention_3s": "3-s retention",
    "retention_30s": "30-s retention",
    "completion_rate": "completion rate",
    "next_episode_rate": "next-episode rate",
}
MIN_EPISODES = 10
ALPHA = 0.05
_FACE = ("ECU", "CU", "MCU")


def _ignore(*_args, **_kwargs) -> None:
    """check_timeline reports its items through a callable; insights only needs the measured summary."""


def hook_seconds(timeline: Timeline) -> float | None:
    """Seconds to the hook: the first sting, or the first line spoken on a close shot, whichever is earlier."""
    fps = timeline.fps
    times = [s.frame / fps for s in timeline.stings]
    for a in timeline.audio:
        t = a.start / timeline.sample_rate
        shot = next((ts for ts in timeline.shots if ts.start / fps <= t < (ts.start + ts.frames) / fps), None)
        if shot is not None and shot.shot.size in _FACE:
            times.append(t)
            break
    return round(min(times), 2) if times else None


def craft_of(project: Project, timeline: Timeline) -> tuple[dict[str, float], list[float]]:
    """The craft measures of one built episode (seconds and shares) and the seconds of its turns."""
    summary = check_timeline(project, timeline, _ignore)
    out = {"length": summary["duration"], "asl": summary.get("asl", 0.0),
           "close_up_share": summary.get("close_up_share", 0.0)}
    if "first_line" in summary:
        out["first_line"] = summary["first_line"]
    if "turn_gap" in summary:
        out["turn_gap"] = summary["turn_gap"]
    hook = hook_seconds(timeline)
    if hook is not None:
        out["hook"] = hook
    return out, list(summary.get("turns", []))


def holm(p: list[float]) -> list[float]:
    """Holm's step-down adjustment (family-wise error control)."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


_Q = NormalDist().inv_cdf(1 - ALPHA / 2)  # the two-sided normal quantile (1.96 at 5%)


def _ranks(v: np.ndarray) -> np.ndarray:
    """Average ranks (ties share the mean of their positions), as Spearman's rho needs."""
    _, inverse, counts = np.unique(v, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - (counts - 1) / 2.0))[inverse]


def _ties(v: np.ndarray) -> float:
    counts = np.unique(v, return_counts=True)[1]
    counts = counts[counts > 1].astype(np.float64)
    return float((counts * (counts - 1) * (2 * counts + 5)).sum())


def theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, float | None]:
    """Theil-Sen slope and its 95 % interval (Sen 1968, with the tie-corrected variance of Kendall's S)."""
    dx = x[:, None] - x[None, :]
    dy = y[:, None] - y[None, :]
    slopes = np.sort(dy[dx > 0] / dx[dx > 0])
    if not len(slopes):
        return 0.0, None, None
    n = len(x)
    sigsq = (n * (n - 1) * (2 * n + 5) - _ties(x) - _ties(y)) / 18.0
    if sigsq <= 0:
        return float(np.median(slopes)), None, None
    sigma = math.sqrt(sigsq)
    nt = len(slopes)
    lo = max(int(round((nt - _Q * sigma) / 2.0)) - 1, 0)
    hi = min(int(round((nt + _Q * sigma) / 2.0)), nt - 1)
    return float(np.median(slopes)), float(slopes[lo]), float(slopes[hi])


def _pair(measure: str, outcome: str, x: np.ndarray, y: np.ndarray) -> Relation:
    n = len(x)
    if n < MIN_EPISODES:
        return Relation(measure=measure, outcome=outcome, n=n, status="too few episodes")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return Relation(measure=measure, outcome=outcome, n=n, status="no clear effect")
    rho = float(np.corrcoef(_ranks(x), _ranks(y))[0, 1])
    rho_c = min(max(rho, -0.999999), 0.999999)
    z = math.atanh(rho_c)
    se = math.sqrt(1.06 / (n - 3))
    p = math.erfc(abs(z) / se / math.sqrt(2.0))
    slope, low, high = theil_sen(x, y)
    return Relation(measure=measure, outcome=outcome, n=n, status="no clear effect", rho=round(rho, 3),
                    rho_low=round(math.tanh(z - _Q * se), 3), rho_high=round(math.tanh(z + _Q * se), 3),
                    slope=round(slope, 5), slope_low=None if low is None else round(low, 5),
                    slope_high=None if high is None else round(high, 5), p=p)


def relate(rows: list[dict[str, float | None]]) -> list[Relation]:
    """Every measure × outcome pair over the episodes (``rows``: one dict of measures and outcomes each)."""
    out: list[Relation] = []
    for measure in MEASURES:
        for outcome in OUTCOMES:
            pairs = [(r[measure], r[outcome]) for r in rows
                     if r.get(measure) is not None and r.get(outcome) is not None]
            x = np.array([a for a, _b in pairs], dtype=np.float64)
            y = np.array([b for _a, b in pairs], dtype=np.float64)
            out.append(_pair(measure, outcome, x, y))
    tested = [i for i, r in enumerate(out) if r.p is not None]
    for i, adj in zip(tested, holm([out[i].p for i in tested])):
        out[i] = out[i].model_copy(update={"p_adjusted": adj, "status": "effect" if adj < ALPHA else
                                           "no clear effect"})
    return out

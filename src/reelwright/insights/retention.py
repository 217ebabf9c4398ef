"""Drops in a retention curve, named by what the built timeline shows at that second.

**Method.** From the curve R(t) (share of starting viewers still watching at second t) the hazard
h(t) = 1 − R(t+1)/R(t) is the share of the viewers still there who leave during second t. Its trend is a
robust local-quadratic fit (LOESS over the 11 nearest seconds, tricube weights, three bisquare robustness
passes) made for each second from its neighbours only, so a drop never lifts its own baseline and the
curved fast leaving of the first seconds is followed. A second is a drop when all three hold:

* its leavers are improbable under the trend: binomial tail p < 0.05 / (seconds tested) (Bonferroni, so
  an episode with nothing there shows a drop with probability ≤ 5 %), with the viewers still watching
  taken from the episode's plays (or, without plays, the viewer count whose binomial scatter matches the
  curve's scatter around its trend) and shrunk by the trend's own variance;
* its hazard is at least 1.5 × the trend;
* it is at least 1 percentage point above the trend (a drop worth a writer's time).

The first 3 seconds are the opening, judged by 3-s retention against the first line and the hook rather
than as drops; curves from fewer than 2,000 viewers are too noisy to name drops. Adjacent drop seconds are
one drop, reported at its steepest second. The test suite measures the false-positive rate on simulated
viewers (see docs/insights.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reelwright.documents.season import EpisodePlan
from reelwright.documents.timeline import Timeline
from reelwright.insights.findings import Drop, ShotSpan
from reelwright.media.text import is_cjk

__all__ = ["DropRule", "EpisodeContext", "hazard", "trend", "find_drops", "context_of", "retention_at",
           "DROP_FALSE_POSITIVE_RATE"]

DROP_FALSE_POSITIVE_RATE = 0.05


@dataclass(frozen=True)
class DropRule:
    window: int = 11
    false_positive_rate: float = DROP_FALSE_POSITIVE_RATE
    ratio: float = 1.5
    min_excess: float = 0.01
    skip: int = 3
    min_viewers: float = 2000.0

    def describe(self) -> str:
        return (f"hazard h(t) = 1 - R(t+1)/R(t) against a robust local-quadratic trend (LOESS over the "
                f"{self.window} nearest seconds, bisquare robustness, each second fitted from its neighbours); "
                f"a second is a drop when its leavers are improbable under the trend "
                f"(binomial tail p below {self.false_positive_rate:g} / seconds tested, with the plays as viewers "
                f"or, without plays, the viewer count that matches the curve's scatter), its hazard is at least "
                f"{self.ratio:g} x the trend and at least {self.min_excess * 100:g} pp above it; the first "
                f"{self.skip} s (the opening) are judged by 3-s retention instead; adjacent seconds are one drop; "
                f"curves from fewer than {self.min_viewers:,.0f} viewers are too noisy to name drops")


def hazard(curve: list[float] | np.ndarray) -> np.ndarray:
    """Share of the viewers still watching at t who leave during second t (len(curve) - 1 values)."""
    r = np.asarray(curve, dtype=np.float64)
    if len(r) < 2:
        return np.zeros(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = 1.0 - r[1:] / r[:-1]
    h[~np.isfinite(h)] = 0.0
    return np.clip(h, 0.0, 1.0)


def trend(values: np.ndarray, window: int = 11, passes: int = 3, degree: int = 2,
          leave_out: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Robust local-polynomial smooth (LOESS: the ``window`` nearest points, tricube weights, bisquare
    robustness passes). With ``leave_out`` each second's trend is fitted from its neighbours only, so a
    drop never lifts its own baseline. Returns the trend and, per second, the sum of the squared weights
    the fit gave its neighbours (the trend's variance relative to one second's noise)."""
    y = np.asarray(values, dtype=np.float64)
    n = len(y)
    if n < 4:
        return np.full(n, float(np.median(y)) if n else 0.0), np.ones(n)
    k = min(max(window, degree + 3), n)
    x = np.arange(n, dtype=np.float64)
    starts = np.clip(np.arange(n) - k // 2, 0, n - k)  # a window of k, shifted inward at the edges
    idx = starts[:, None] + np.arange(k)[None, :]
    dx = x[idx] - x[:, None]
    ys = y[idx]
    span = np.abs(dx).max(axis=1, keepdims=True) + 1.0
    base_w = (1 - (np.abs(dx) / span) ** 3) ** 3
    if leave_out:
        base_w = np.where(dx == 0, 0.0, base_w)
    powers = np.stack([dx ** d for d in range(degree + 1)], axis=-1)  # (n, k, degree+1)
    robust = np.ones(n)
    fit = np.zeros(n)
    lev = np.ones(n)
    for i in range(passes + 1):
        w = base_w * robust[idx]
        a = np.einsum("nk,nki,nkj->nij", w, powers, powers) + 1e-12 * np.eye(degree + 1)
        coef = np.linalg.solve(a, np.eye(degree + 1)[None, :, :1].repeat(n, axis=0))[:, :, 0]  # row e1 of a^-1
        weights = w * np.einsum("ni,nki->nk", coef, powers)  # the equivalent kernel l_j
        fit = (weights * ys).sum(axis=1)
        lev = (weights ** 2).sum(axis=1)
        if i == passes:
            break
        resid = y - fit
        s = np.median(np.abs(resid))
        if s <= 1e-12:
            break
        u = resid / (6.0 * s)
        robust = np.where(np.abs(u) < 1, (1 - u ** 2) ** 2, 0.0)
    return np.clip(fit, 0.0, 1.0), lev


@dataclass
class EpisodeContext:
    """What the built episode shows, in seconds (an edge): shots, lines, turns, stings, the plan's beats."""

    duration: float
    shots: list[ShotSpan]
    lines: list[tuple[float, float, int, str, str]] = field(default_factory=list)  # start, end, index, who, text
    turns: list[float] = field(default_factory=list)
    beats: list[tuple[int, int, str]] = field(default_factory=list)  # the season plan's (start, end, kind)
    hook_window: float = 3.0
    cliffhanger_window: float = 10.0

    def shot_at(self, second: float) -> ShotSpan | None:
        for s in self.shots:
            if s.start <= second < s.end:
                return s
        return self.shots[-1] if self.shots and second >= self.shots[-1].end else None

    def line_at(self, second: float) -> tuple[float, float, int, str, str] | None:
        for ln in self.lines:
            if ln[0] <= second < ln[1]:
                return ln
        return None


def _join(a: str, b: str) -> str:
    """Subtitle pieces back into one line: no space between two CJK characters."""
    if not a or not b:
        return a or b
    return a + ("" if is_cjk(a[-1]) and is_cjk(b[0]) else " ") + b


def context_of(timeline: Timeline, turns: list[float], plan: EpisodePlan | None, hook_window: float,
               cliffhanger_window: float) -> EpisodeContext:
    fps = timeline.fps
    text: dict[int, str] = {}
    for c in timeline.cues:
        if c.line is not None:
            for part in c.text.split("\n"):
                text[c.line] = _join(text.get(c.line, ""), part.strip())
    shots = [ShotSpan(id=ts.shot.id, start=round(ts.start / fps, 3), end=round((ts.start + ts.frames) / fps, 3),
                      size=str(getattr(ts.shot.size, "value", ts.shot.size)), speaker=ts.shot.speaker,
                      sting=ts.shot.sting) for ts in timeline.shots]
    lines = [(a.start / timeline.sample_rate, (a.start + a.samples) / timeline.sample_rate, a.line, a.character,
              text.get(a.line, "")) for a in timeline.audio]
    beats = [(b.start, b.end, b.kind) for b in plan.beats] if plan is not None else []
    return EpisodeContext(duration=timeline.frames / fps, shots=shots, lines=lines, turns=list(turns), beats=beats,
                          hook_window=hook_window, cliffhanger_window=cliffhanger_window)


def retention_at(curve: list[float], second: int) -> float | None:
    return round(float(curve[second]), 5) if 0 <= second < len(curve) else None


def effective_viewers(curve: np.ndarray, h: np.ndarray, base: np.ndarray, lev: np.ndarray, start: int) -> float:
    """The viewer count whose binomial noise matches the curve's scatter around its trend (plays unknown)."""
    r = curve[:-1][start:]
    b = np.maximum(base[start:], 1e-6)
    u = (h[start:] - base[start:]) * np.sqrt(np.maximum(r, 1e-9) / b / (1.0 + lev[start:]))
    if len(u) < 5:
        return 1e7
    # a trimmed second moment (the largest 10 % left out: they may be drops), scaled to a normal's
    sq = np.sort(u ** 2)[: max(int(len(u) * 0.9), 4)]
    var = float(sq.mean()) / 0.623
    if var <= 1e-12:
        return 1e7
    return float(np.clip(1.0 / var, 50.0, 1e7))


def find_drops(curve: list[float], rule: DropRule = DropRule(), viewers: float | None = None,
               context: EpisodeContext | None = None) -> tuple[list[Drop], np.ndarray]:
    """The drops of one curve (see the module docstring) and the trend of its hazard."""
    r = np.asarray(curve, dtype=np.float64)
    h = hazard(r)
    if len(h) < 6:
        return [], trend(h, rule.window)[0] if len(h) else np.zeros(0)
    base, lev = trend(h, rule.window)
    start = min(rule.skip, len(h) - 1)
    n0 = float(viewers) if viewers else effective_viewers(r, h, base, lev, start)
    if n0 < rule.min_viewers:
        return [], base
    at_risk = np.maximum(n0 * r[:-1], 1.0)
    # the trend is itself an estimate: test against binomial noise widened by its variance
    n_eff = np.maximum(np.round(at_risk / (1.0 + lev)), 1.0)
    leavers = np.round(h * n_eff)
    b = np.clip(base, 0.5 / n_eff, 1.0 - 1e-9)
    from scipy import stats  # noqa: PLC0415 - half a second to import; only an analysis needs it

    pvals = stats.binom.sf(leavers - 1, n_eff, b)
    z = (h - base) / np.sqrt(b * (1 - b) / n_eff)
    tested = np.arange(len(h)) >= start
    alpha = rule.false_positive_rate / max(int(tested.sum()), 1)
    resid = h - base
    steep = tested & (pvals < alpha) & (h >= rule.ratio * base) & (resid >= rule.min_excess) & (r[:-1] > 0)
    drops: list[Drop] = []
    t = 0
    while t < len(h):
        if not steep[t]:
            t += 1
            continue
        run = [t]
        while t + 1 < len(h) and steep[t + 1]:
            t += 1
            run.append(t)
        t += 1
        peak = max(run, key=lambda i: resid[i])
        lost = float(sum(resid[i] * r[i] for i in run))
        drops.append(_describe(peak, run, float(h[peak]), float(base[peak]), float(resid[peak]), float(z[peak]),
                               float(pvals[peak]), lost, context))
    return drops, base


def _describe(peak: int, run: list[int], h: float, base: float, excess: float, z: float, p: float, lost: float,
              ctx: EpisodeContext | None) -> Drop:
    d = {"second": peak, "seconds": run, "hazard": round(h, 5), "baseline": round(base, 5),
         "excess": round(excess, 5), "z": round(z, 2), "p": p, "lost": round(lost, 5), "in_opening": False,
         "in_cliffhanger": False}
    if ctx is None:
        return Drop(**d)
    mid = peak + 0.5
    shot = ctx.shot_at(mid)
    line = ctx.line_at(mid)
    before = [t for t in ctx.turns if t <= mid]
    beat = next((k for a, b, k in ctx.beats if a <= peak < max(b, a + 1)), None)
    d.update({
        "shot": shot.id if shot else None, "size": shot.size if shot else None,
        "speaker": line[3] if line else (shot.speaker if shot else None),
        "line": line[4] if line else None, "line_index": line[2] if line else None,
        "seconds_since_turn": round(mid - (before[-1] if before else 0.0), 1),
        "in_opening": peak < ctx.hook_window,
        "in_cliffhanger": peak + 1 > ctx.duration - ctx.cliffhanger_window,
        "sting": shot.sting if shot else None, "beat": beat,
    })
    return Drop(**d)

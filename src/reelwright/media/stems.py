"""Stems: the dialogue's level inside a finished mix, and how far speech stands over the bed."""

from __future__ import annotations

import numpy as np

__all__ = ["speech_over_bed_db", "fit_length", "reduck", "follow_gain", "stem_gains"]


def speech_over_bed_db(mix: np.ndarray, bed: np.ndarray, windows: list[tuple[int, int]]) -> list[float]:
    """Per window (sample ranges where a line is heard): speech energy over bed energy in dB, the speech
    energy being what the mix has beyond the bed. 60 dB stands for a silent bed."""
    out = []
    for a, b in windows:
        m = np.asarray(mix[a:b], np.float64)
        e_mix = float(np.mean(m * m)) if len(m) else 0.0
        bb = np.asarray(bed[a:b], np.float64)
        e_bed = float(np.mean(bb * bb)) if len(bb) else 0.0
        if e_bed <= 1e-12:
            out.append(60.0 if e_mix > 1e-12 else -60.0)
            continue
        speech = max(e_mix - e_bed, 1e-12)
        out.append(float(np.clip(10 * np.log10(speech / e_bed), -60.0, 60.0)))
    return out


def fit_length(samples: int, target: int, stretch: float) -> int:
    """The length a line of ``samples`` is stretched to for a slot of ``target``: exactly ``target`` when
    within ±``stretch``, else as close as the limit allows."""
    if target <= 0:
        return samples
    ratio = samples / target
    if 1 - stretch <= ratio <= 1 + stretch:
        return target
    if ratio > 1 + stretch:
        return int(np.ceil(samples / (1 + stretch)))
    return int(np.floor(samples / (1 - stretch))) if stretch < 1 else target


def reduck(bed: np.ndarray, sr: int, old: list[tuple[int, int]], new: list[tuple[int, int]], duck_db: float,
           ramp_ms: float = 80.0) -> np.ndarray:
    """``bed`` (ducked under speech at ``old``) ducked by ``duck_db`` also where speech at ``new`` falls
    outside ``old`` (a dubbed line that runs longer), with ``ramp_ms`` ramps."""
    bed = np.asarray(bed, np.float32)
    n = len(bed)
    hop = max(sr // 100, 1)
    blocks = n // hop + 2
    was = np.zeros(blocks, bool)
    want = np.zeros(blocks, bool)
    for a, b in old:
        was[max(a // hop, 0):max(b // hop + 1, 0)] = True
    for a, b in new:
        want[max(a // hop, 0):max(b // hop + 1, 0)] = True
    extra = want & ~was
    if not extra.any():
        return bed.copy()
    ramp = max(1, int(ramp_ms / 10))
    depth = 1.0 - 10 ** (-duck_db / 20)
    kernel = np.ones(2 * ramp + 1) / (2 * ramp + 1)
    amount = np.clip(np.convolve(np.convolve(extra.astype(float), np.ones(2 * ramp + 1), "same") > 0, kernel,
                                 "same"), 0, 1)
    gain = 1.0 - depth * amount
    curve = np.interp(np.arange(n) / hop, np.arange(blocks), gain).astype(np.float32)
    return bed * (curve[:, None] if bed.ndim == 2 else curve)


def follow_gain(mix: np.ndarray, parts: np.ndarray, sr: int, block_ms: float = 5.0) -> np.ndarray:
    """The per-sample gain (≤ 1) the mix's limiter applied to ``parts`` (their unlimited sum), from the
    ratio of block RMS levels; applying it to each stem makes the stems add up to the limited mix."""
    mix = np.asarray(mix, np.float64)
    parts = np.asarray(parts, np.float64)
    n = min(len(mix), len(parts))
    hop = max(int(sr * block_ms / 1000), 1)
    blocks = n // hop
    if blocks < 2:
        return np.ones(n, np.float32)

    def rms(x):
        x = x[:blocks * hop].reshape(blocks, hop, -1)
        return np.sqrt(np.mean(x * x, axis=(1, 2)))

    a, b = rms(mix[:n]), rms(parts[:n])
    gain = np.where(b > 1e-6, np.minimum(a / np.maximum(b, 1e-12), 1.0), 1.0)
    centres = (np.arange(blocks) + 0.5) * hop
    return np.interp(np.arange(n), centres, gain).astype(np.float32)


def stem_gains(mix: np.ndarray, stems: list[np.ndarray]) -> list[float]:
    """Gains ``g`` for which ``sum(g_i * stem_i)`` best matches ``mix`` (joint least squares)."""
    n = min(len(mix), *(len(s) for s in stems))
    cols = [np.asarray(s[:n], np.float64).ravel() for s in stems]
    a = np.stack(cols, axis=1)
    x, *_ = np.linalg.lstsq(a, np.asarray(mix[:n], np.float64).ravel(), rcond=None)
    return [float(v) for v in x]

"""Time-stretching speech without changing its pitch (WSOLA), and lengthening a stem at a point.

:func:`time_stretch` is waveform-similarity overlap-add: 40 ms Hann grains laid
at a fixed output hop, each taken from near its nominal input position where it
best continues the previous grain (cross-correlation within ±10 ms), so pitch
and formants stay and only the timing changes. Output length is exact.
:func:`insert_hold` makes a stem longer at a sample position by repeating the
audio just before it, with equal-power crossfades at both seams.
"""

from __future__ import annotations

import numpy as np

__all__ = ["time_stretch", "insert_hold"]


def time_stretch(x: np.ndarray, length: int, sr: int, *, grain_ms: float = 40.0, tolerance_ms: float = 10.0
                 ) -> np.ndarray:
    """``x`` (mono float32) played in ``length`` samples at the same pitch."""
    x = np.asarray(x, dtype=np.float32)
    n = len(x)
    if length <= 0:
        return np.zeros(0, np.float32)
    if n == 0:
        return np.zeros(length, np.float32)
    if length == n:
        return x.copy()
    grain = max(int(sr * grain_ms / 1000) // 2 * 2, 16)
    hop = grain // 2
    tol = int(sr * tolerance_ms / 1000)
    if n < grain * 2 or length < grain * 2:  # too short for grains: plain resampling of the timing
        idx = np.linspace(0, n - 1, length)
        return np.interp(idx, np.arange(n), x).astype(np.float32)
    speed = (n - grain) / max(length - grain, 1)  # input samples advanced per output sample
    window = np.hanning(grain).astype(np.float32)
    pad = np.concatenate([np.zeros(tol, np.float32), x, np.zeros(grain + tol, np.float32)])
    out = np.zeros(length + grain, np.float32)
    norm = np.zeros(length + grain, np.float32)
    prev = 0  # input position (unpadded) of the previous grain
    for k, pos_out in enumerate(range(0, length, hop)):
        nominal = int(round(pos_out * speed))
        if k == 0:
            best = 0
        else:
            natural = pad[tol + prev + hop: tol + prev + hop + grain]  # what would follow the last grain
            lo = nominal - tol
            region = pad[tol + lo: tol + lo + grain + 2 * tol]
            if len(region) < grain + 2 * tol or not np.any(natural):
                best = nominal
            else:
                corr = np.correlate(region, natural, mode="valid")
                best = lo + int(np.argmax(corr))
        best = min(max(best, 0), n - 1)
        seg = pad[tol + best: tol + best + grain]
        if len(seg) < grain:
            seg = np.pad(seg, (0, grain - len(seg)))
        out[pos_out:pos_out + grain] += seg * window
        norm[pos_out:pos_out + grain] += window
        prev = best
    norm = np.maximum(norm, 1e-3)
    y = out / norm
    # keep the first and last few ms as they were (grain windows fade there)
    return y[:length].astype(np.float32)


def insert_hold(x: np.ndarray, at: int, length: int, sr: int, *, fade_ms: float = 30.0) -> np.ndarray:
    """``x`` (samples × channels or mono) with ``length`` extra samples at ``at``: the audio before ``at``
    repeated, crossfaded in and out so the seams do not click."""
    x = np.asarray(x, dtype=np.float32)
    if length <= 0:
        return x.copy()
    at = int(min(max(at, 0), len(x)))
    fade = max(1, min(int(sr * fade_ms / 1000), length))
    need = length + 2 * fade
    if at < need:  # not enough audio before the point to repeat: hold silence
        hold = np.zeros((length,) + x.shape[1:], np.float32)
        return np.concatenate([x[:at], hold, x[at:]])
    loop = x[at - need: at]
    t = np.linspace(0, np.pi / 2, fade, dtype=np.float32)
    fin, fout = np.sin(t), np.cos(t)
    if x.ndim == 2:
        fin, fout = fin[:, None], fout[:, None]
    head = x[:at].copy()
    head[at - fade:] = head[at - fade:] * fout + loop[:fade] * fin  # into the repeat
    body = loop[fade:fade + length]
    tail = x[at:].copy()
    m = min(fade, len(tail))
    tail[:m] = tail[:m] * fin[:m] + loop[fade + length:fade + length + m] * fout[:m]  # back out of it
    return np.concatenate([head, body, tail]).astype(np.float32)

"""Audio DSP: resampling, WAV files, loudness, true peak, limiting, mouth tracks, pitch.

The only module that does sample arithmetic. Samples are float32 in [-1, 1],
shaped ``(n,)`` for mono or ``(n, channels)`` for more channels; rates are
integer Hz and positions integer sample indices (seconds only at the edges).
Loudness follows ITU-R BS.1770-4 (the K-weighting filters of pyloudnorm, gated
blocks computed vectorised); true peak uses the Annex 2 4x interpolator.
"""

from __future__ import annotations

import os
import struct
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Literal, Sequence

import numpy as np
from scipy import ndimage, signal

from reelwright.errors import InputError
from reelwright.providers.base import Audio

__all__ = [
    "Audio",
    "resample",
    "read_wav",
    "write_wav",
    "frame_envelope",
    "mouth_track",
    "mix",
    "loudness",
    "true_peak_dbtp",
    "normalize",
    "match_loudness",
    "trim_silence",
    "pitch_hz",
]

_EPS = 1e-12

# ITU-R BS.1770-4 Annex 2: 48-tap interpolation filter, 4 phases of 12 taps.
_TP_PHASES = np.array([
    [0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000, -0.0594482421875, 0.1373291015625,
     0.9721679687500, -0.1022949218750, 0.0476074218750, -0.0266113281250, 0.0148925781250, -0.0083007812500],
    [-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250, -0.1665039062500, 0.4650878906250,
     0.7797851562500, -0.2003173828125, 0.1015625000000, -0.0582275390625, 0.0330810546875, -0.0189208984375],
], dtype=np.float32)
_TP_PHASES = np.concatenate([_TP_PHASES, _TP_PHASES[::-1, ::-1]])  # phases 2, 3 mirror 1, 0
_TP_GAIN = float(np.abs(_TP_PHASES).sum(axis=1).max())  # |interpolated| <= _TP_GAIN * local max


def _as_2d(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x[:, None] if x.ndim == 1 else x


def _mono(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x if x.ndim == 1 else x.mean(axis=1)


def _db(x: float | np.ndarray) -> float | np.ndarray:
    return 20.0 * np.log10(np.maximum(x, _EPS))


# --------------------------------------------------------------------------- resampling, files

def resample(x: np.ndarray, sr_in: float, sr_out: float) -> np.ndarray:
    """Polyphase resampling along axis 0; a non-integer ``sr_in`` (a pitch trick) is approximated."""
    x = np.asarray(x, dtype=np.float32)
    ratio = (Fraction(sr_out) / Fraction(sr_in)).limit_denominator(1000)
    if ratio == 1 or len(x) == 0:
        return x.copy()
    y = signal.resample_poly(x, ratio.numerator, ratio.denominator, axis=0)
    return y.astype(np.float32, copy=False)


def read_wav(path: str | Path) -> Audio:
    """Read a PCM (8/16/24/32-bit) or float (32/64-bit) WAV file; mono gives ``(n,)`` samples."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read WAV file: {exc}", path=path) from exc
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise InputError("not a RIFF/WAVE file", path=path)
    fmt: tuple[int, int, int, int] | None = None
    payload: bytes | None = None
    pos = 12
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == 0xFFFE and len(body) >= 26:  # WAVE_FORMAT_EXTENSIBLE: sub-format GUID starts with the tag
                tag = struct.unpack("<H", body[24:26])[0]
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            payload = body
            break
        pos += 8 + size + (size & 1)
    if fmt is None or payload is None:
        raise InputError("WAV file without fmt or data chunk", path=path)
    tag, channels, rate, bits = fmt
    width = bits // 8
    if channels < 1 or width < 1:
        raise InputError(f"bad WAV format ({channels} channels, {bits} bits)", path=path)
    payload = payload[: len(payload) // (width * channels) * width * channels]
    if tag == 3 and bits in (32, 64):
        x = np.frombuffer(payload, dtype="<f4" if bits == 32 else "<f8").astype(np.float32)
    elif tag == 1 and bits == 8:
        x = (np.frombuffer(payload, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif tag == 1 and bits in (16, 32):
        x = np.frombuffer(payload, dtype="<i2" if bits == 16 else "<i4").astype(np.float32) / 2.0 ** (bits - 1)
    elif tag == 1 and bits == 24:
        b = np.frombuffer(payload, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v) / 2.0 ** 23).astype(np.float32)
    else:
        raise InputError(f"unsupported WAV encoding (format {tag}, {bits} bits)", path=path)
    x = x.reshape(-1, channels)
    return Audio(samples=x[:, 0].copy() if channels == 1 else x, sample_rate=int(rate))


def write_wav(path: str | Path, audio: Audio, *, sample_format: Literal["pcm16", "float32"] = "pcm16") -> Path:
    """Write ``audio`` atomically (temp file in the same folder, then ``os.replace``)."""
    path = Path(path)
    x = _as_2d(audio.samples)
    channels = x.shape[1]
    if sample_format == "pcm16":
        payload = np.round(np.clip(x, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        tag, bits = 1, 16
    elif sample_format == "float32":
        payload = x.astype("<f4").tobytes()
        tag, bits = 3, 32
    else:
        raise ValueError(f"unknown sample_format {sample_format!r}; use 'pcm16' or 'float32'")
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, audio.sample_rate, audio.sample_rate * block, block, bits)
    header = b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(payload)) + b"WAVE"
    header += b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(payload))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(header)
            fh.write(payload)
            if len(payload) & 1:
                fh.write(b"\0")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --------------------------------------------------------------------------- envelopes, mouths, mixing

def _frame_bounds(n: int, sample_rate: int, fps: float | Fraction) -> np.ndarray:
    rate = Fraction(fps).limit_denominator(100000)
    count = -(-n * rate.numerator // (sample_rate * rate.denominator))  # ceil(n * fps / sr)
    idx = np.arange(count + 1, dtype=np.int64)
    return np.minimum(idx * sample_rate * rate.denominator // rate.numerator, n)


def frame_envelope(samples: np.ndarray, sample_rate: int, fps: float | Fraction) -> np.ndarray:
    """RMS of each video frame (frame i covers samples floor(i*sr/fps) .. floor((i+1)*sr/fps))."""
    x = _mono(samples).astype(np.float64)
    bounds = _frame_bounds(len(x), sample_rate, fps)
    if len(bounds) < 2:
        return np.zeros(0, dtype=np.float32)
    cs = np.concatenate([[0.0], np.cumsum(x * x)])
    energy = np.maximum(cs[bounds[1:]] - cs[bounds[:-1]], 0.0)
    return np.sqrt(energy / np.maximum(np.diff(bounds), 1)).astype(np.float32)


def mouth_track(samples: np.ndarray, sample_rate: int, fps: float | Fraction, *, min_hold: int = 2,
                floor_db: float = -45.0) -> list[bool]:
    """Mouth open/closed per frame: hysteresis on the frame envelope, each state held >= ``min_hold`` frames.

    Thresholds follow the clip's own level (open 15 dB, close 21 dB under its loud frames) but never drop
    below ``floor_db`` dBFS, so silence and room noise keep the mouth closed.
    """
    env_db = _db(frame_envelope(samples, sample_rate, fps))
    n = len(env_db)
    loud = env_db[env_db > floor_db]
    if len(loud) == 0:
        return [False] * n
    ref = float(np.percentile(loud, 90))
    open_at = max(ref - 15.0, floor_db + 6.0)
    close_at = max(ref - 21.0, floor_db)
    states: list[bool] = []
    state, held = False, min_hold
    for level in env_db:
        want = level >= open_at if not state else level >= close_at
        if want != state and held >= min_hold:
            state, held = want, 0
        held += 1
        states.append(state)
    if held < min_hold < n and held < n:  # a too-short last run joins the one before it
        states[n - held:] = [not state] * held
    return states


def mix(clips: Sequence[tuple[int, np.ndarray, float]], total_samples: int, channels: int = 2) -> np.ndarray:
    """Sum ``(start_sample, samples, gain)`` clips into a ``(total_samples, channels)`` float32 buffer.

    Mono clips go to every channel; clips are cropped to the buffer (negative starts allowed).
    """
    out = np.zeros((total_samples, channels), dtype=np.float32)
    for start, samples, gain in clips:
        x = _as_2d(samples)
        if x.shape[1] not in (1, channels):
            raise ValueError(f"clip has {x.shape[1]} channels; the mix has {channels}")
        a, b = max(int(start), 0), min(int(start) + len(x), total_samples)
        if b > a:
            out[a:b] += x[a - int(start):b - int(start)] * np.float32(gain)
    return out


# --------------------------------------------------------------------------- loudness and peaks

_K_SOS: dict[int, np.ndarray] = {}


def _k_weighting(sr: int) -> np.ndarray:
    if sr not in _K_SOS:
        import pyloudnorm

        meter = pyloudnorm.Meter(sr)  # same K-weighting coefficients as pyloudnorm's meter
        _K_SOS[sr] = np.array([np.concatenate([f.b, f.a]) for f in meter._filters.values()])
    return _K_SOS[sr]


def loudness(x: np.ndarray, sr: int) -> float:
    """Integrated loudness in LUFS (BS.1770-4 gating, numbers equal to pyloudnorm's; -inf for silence).

    A clip shorter than one 400 ms block is measured as a single block.
    """
    x2 = _as_2d(x)
    if len(x2) == 0:
        return float("-inf")
    if x2.shape[1] > 5:
        raise ValueError("loudness supports at most 5 channels")
    weights = np.array([1.0, 1.0, 1.0, 1.41, 1.41][: x2.shape[1]])
    y = signal.sosfilt(_k_weighting(sr), x2.astype(np.float64), axis=0)
    cs = np.concatenate([np.zeros((1, x2.shape[1])), np.cumsum(y * y, axis=0)])
    block = 0.4 * sr
    blocks = int(np.round((len(x2) / sr - 0.4) / 0.1)) + 1
    if len(x2) < block or blocks < 1:
        lo, hi = np.array([0]), np.array([len(x2)])
        z = (cs[-1] / len(x2))[None, :]
    else:
        j = np.arange(blocks, dtype=np.float64)
        lo = (0.4 * (j * 0.25) * sr).astype(np.int64)
        hi = np.minimum((0.4 * (j * 0.25 + 1) * sr).astype(np.int64), len(x2))
        z = (cs[hi] - cs[lo]) / block
    power = z @ weights
    with np.errstate(divide="ignore"):
        lj = -0.691 + 10.0 * np.log10(power)
        gated = lj >= -70.0
        if not gated.any():
            return float("-inf")
        rel = -0.691 + 10.0 * np.log10(power[gated].mean()) - 10.0
        keep = (lj > rel) & (lj > -70.0)
        return float(-0.691 + 10.0 * np.log10(power[keep].mean())) if keep.any() else float("-inf")


def _interp_peaks(x2: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Max |4x-interpolated value| of the 12-sample windows ``xp[s:s+12]`` (xp: x padded by 6 zeros)."""
    xp = np.pad(x2, ((6, 6), (0, 0)))
    out = np.empty(len(starts), dtype=np.float32)
    taps = np.arange(12)
    for i in range(0, len(starts), 1 << 16):
        s = starts[i:i + (1 << 16)]
        win = xp[s[:, None] + taps]                              # (m, 12, ch)
        vals = np.einsum("mtc,kt->mkc", win, _TP_PHASES, optimize=True)
        out[i:i + len(s)] = np.abs(vals).max(axis=(1, 2))
    return out


def _true_peak_envelope(x2: np.ndarray, above: float) -> np.ndarray:
    """Per-sample true peak where it may exceed ``above``; elsewhere the sample peak (which is below it)."""
    a = np.abs(x2).max(axis=1)
    tp = a.copy()
    # window s (0..n) spans original samples s-6 .. s+5 and interpolates between s-1 and s
    local = ndimage.maximum_filter1d(np.pad(a, (6, 6)), 12, origin=-6)[: len(a) + 1]
    starts = np.flatnonzero(local * _TP_GAIN >= above)
    if len(starts):
        peaks = _interp_peaks(x2, starts)
        for shift in (0, 1):  # window s belongs to samples s - 1 and s
            idx = starts - shift
            ok = (idx >= 0) & (idx < len(a))
            np.maximum.at(tp, idx[ok], peaks[ok])
    return tp


def true_peak_dbtp(x: np.ndarray, sr: int) -> float:
    """True peak in dBTP: max of the samples and their 4x interpolation (BS.1770-4 Annex 2 filter)."""
    x2 = _as_2d(x)
    if len(x2) == 0:
        return float("-inf")
    del sr  # the Annex 2 filter is used at every rate (4x or more)
    sample_peak = float(np.abs(x2).max())
    if sample_peak <= 0.0:
        return float("-inf")
    return float(_db(_true_peak_envelope(x2, sample_peak).max()))


def _limit(x2: np.ndarray, sr: int, ceiling_db: float, lookahead_ms: float, release_db_s: float) -> np.ndarray:
    """Look-ahead true-peak limiter: gain reaches its floor before each over and recovers linearly in dB."""
    ceiling = 10.0 ** (ceiling_db / 20.0)
    tp = _true_peak_envelope(x2, ceiling)
    over = tp > ceiling
    if not over.any():
        return x2
    reduction = np.where(over, _db(tp / ceiling), 0.0)  # dB to remove at each sample
    la = max(int(sr * lookahead_ms / 1000.0), 1)
    size = la + 3  # window [n - 1, n + la + 1]: reduction is in place from la samples before each over
    ahead = ndimage.maximum_filter1d(reduction, size, origin=-(size // 2) + 1)
    step = release_db_s / sr
    ramp = np.arange(len(ahead), dtype=np.float64) * step
    held = np.maximum.accumulate(ahead + ramp) - ramp  # release: at most `step` dB per sample
    smooth = ndimage.uniform_filter1d(held, la + 1, origin=la // 2)  # trailing mean keeps the floor at overs
    gain = (10.0 ** (-np.maximum(smooth, 0.0) / 20.0)).astype(np.float32)
    return x2 * gain[:, None]


def normalize(x: np.ndarray, sr: int, target_lufs: float = -14.0, ceiling_dbtp: float = -1.0, *,
              lookahead_ms: float = 5.0, release_db_s: float = 40.0, iterations: int = 6) -> np.ndarray:
    """Gain to ``target_lufs`` integrated, true peak held at or under ``ceiling_dbtp`` by a look-ahead limiter.

    Iterates (gain, limit, measure) until loudness is within 0.1 LU; the true-peak ceiling always holds,
    if need be at the cost of loudness. Silence comes back unchanged.
    """
    x2 = _as_2d(x)
    measured = loudness(x2, sr)
    if not np.isfinite(measured):
        return np.array(x, dtype=np.float32, copy=True)
    gain_db, ceiling = target_lufs - measured, ceiling_dbtp - 0.05
    y = x2
    for _ in range(iterations):
        y = _limit(x2 * np.float32(10.0 ** (gain_db / 20.0)), sr, ceiling, lookahead_ms, release_db_s)
        peak = true_peak_dbtp(y, sr)
        if peak > ceiling_dbtp - 0.01:
            ceiling -= peak - ceiling_dbtp + 0.05
            continue
        err = target_lufs - loudness(y, sr)
        if abs(err) <= 0.1:
            break
        gain_db += err
    peak = true_peak_dbtp(y, sr)
    if peak > ceiling_dbtp:  # last resort: never ship an over
        y = y * np.float32(10.0 ** ((ceiling_dbtp - 0.05 - peak) / 20.0))
    return y[:, 0].copy() if np.ndim(x) == 1 else y


def match_loudness(samples: np.ndarray, sr: int, target_lufs: float = -20.0, peak_dbfs: float = -1.0) -> np.ndarray:
    """Plain gain to ``target_lufs`` (for voice clips), lowered if the sample peak would pass ``peak_dbfs``."""
    x = np.asarray(samples, dtype=np.float32)
    measured = loudness(x, sr)
    if not np.isfinite(measured):
        return x.copy()
    gain = 10.0 ** ((target_lufs - measured) / 20.0)
    peak = float(np.abs(x).max()) * gain
    gain *= min(1.0, 10.0 ** (peak_dbfs / 20.0) / max(peak, _EPS))
    return (x * np.float32(gain)).astype(np.float32)


def trim_silence(samples: np.ndarray, sr: int, *, pad_ms: float = 60.0, threshold_db: float = -40.0) -> np.ndarray:
    """Cut leading/trailing silence, keeping ``pad_ms`` around the sound (10 ms frames, ``threshold_db``
    under the loudest frame, never under -70 dBFS)."""
    x = np.asarray(samples, dtype=np.float32)
    hop = max(sr // 100, 1)
    env = frame_envelope(x, sr, Fraction(sr, hop))
    if len(env) == 0 or env.max() <= 0.0:
        return x[:0].copy()
    active = np.flatnonzero(_db(env) > max(float(_db(env.max())) + threshold_db, -70.0))
    pad = int(sr * pad_ms / 1000.0)
    start = max(int(active[0]) * hop - pad, 0)
    end = min((int(active[-1]) + 1) * hop + pad, len(x))
    return x[start:end].copy()


# --------------------------------------------------------------------------- pitch

def pitch_hz(samples: np.ndarray, sr: int, *, fmin: float = 60.0, fmax: float = 500.0) -> float:
    """Median fundamental (Hz) over voiced 40 ms frames, by normalised autocorrelation; 0.0 if none."""
    x = _mono(samples)
    if sr > 16000:
        x, sr = resample(x, sr, 16000), 16000
    frame, hop = int(0.04 * sr), int(0.01 * sr)
    if len(x) < frame:
        return 0.0
    frames = np.lib.stride_tricks.sliding_window_view(x.astype(np.float64), frame)[::hop]
    frames = frames - frames.mean(axis=1, keepdims=True)
    energy = (frames ** 2).sum(axis=1)
    loud = energy > energy.max() * 10 ** (-30 / 10)
    if energy.max() <= 0.0:
        return 0.0
    window = np.hanning(frame)
    spec = np.fft.rfft(frames[loud] * window, 2 * frame, axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, :frame]
    wac = np.fft.irfft(np.abs(np.fft.rfft(window, 2 * frame)) ** 2)[:frame]
    ac = ac / np.maximum(ac[:, :1], _EPS) / np.maximum(wac / wac[0], 1e-3)  # Boersma's window correction
    lo, hi = max(int(sr / fmax), 1), min(int(sr / fmin) + 1, frame // 2)
    seg = ac[:, lo - 1:hi + 1]
    core = seg[:, 1:-1]
    peak = (core >= seg[:, :-2]) & (core >= seg[:, 2:]) & (core >= 0.9 * core.max(axis=1, keepdims=True))
    lag = lo + np.argmax(peak, axis=1)  # first local maximum near the best one: avoids octave-down errors
    rows = np.arange(len(lag))
    voiced = peak.any(axis=1) & (ac[rows, lag] > 0.5)
    if not voiced.any():
        return 0.0
    lag, rows = lag[voiced], rows[voiced]
    a, b, c = ac[rows, lag - 1], ac[rows, lag], ac[rows, lag + 1]
    denom = a - 2 * b + c
    frac = np.where(np.abs(denom) > _EPS, 0.5 * (a - c) / np.where(denom == 0, 1, denom), 0.0)
    return float(np.median(sr / (lag + np.clip(frac, -0.5, 0.5))))

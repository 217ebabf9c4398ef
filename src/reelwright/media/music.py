"""Music beds, stings and ambience, synthesised offline with numpy (or read from the user's files).

Every bed is a four-chord loop in a key picked from its seed, voiced for a mood:

========  =====================================================================
calm      major pad, an occasional soft pluck
warm      major pad, a plucked arpeggio
sad       minor pad, slow felt-piano notes
tense     minor pad with a low drone, a heartbeat, a tremolo string on top
angry     phrygian pad, drums and a driven bass ostinato
mystery   dark minor pad on a pedal, sparse bell tones
========  =====================================================================

Stings: ``hit`` (an impact with a low brass "braam") for reversals, reveals and
the hook; ``cliffhanger`` (dun — dun — DUNN, then a long tail). Ambience:
``room`` tone, ``street`` hum, ``rain``. Everything is deterministic for a
seed, stereo float32, and made at a reference loudness (beds and ambience
:data:`BED_LUFS`, stings :data:`STING_LUFS`) so the mix sets levels in dB
against the dialogue. :func:`music_stem` lays a whole episode's music and
effects, ducked under speech by gain automation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelwright.errors import InputError
from reelwright.limits import MAX_MUSIC_SECONDS
from reelwright.media.audio import loudness, scipy_signal

__all__ = ["MUSIC_VERSION", "MOODS", "BED_LUFS", "STING_LUFS", "bed", "sting", "ambience", "load_music", "fit",
           "duck_gain", "music_stem", "applied_gain", "BedCue", "StingHit"]

MUSIC_VERSION = "music-1"  # part of every mix's cache key: bump when the synthesis changes
MOODS = ("calm", "warm", "sad", "tense", "angry", "mystery")
BED_LUFS = -20.0
STING_LUFS = -16.0
_TABLE = 2048

# mood → (scale, chord degrees as semitones of the chord root, seconds a chord, lowpass Hz)
_PROGRESSIONS = {
    "calm": ("major", [0, 5, 9, 7], 4.0, 1400.0),
    "warm": ("major", [0, 7, 9, 5], 3.2, 1900.0),
    "sad": ("minor", [0, 8, 3, 10], 4.0, 1100.0),
    "tense": ("minor", [0, 0, 8, 7], 3.4, 900.0),
    "angry": ("minor", [0, 1, 0, 10], 2.4, 1600.0),
    "mystery": ("minor", [0, 5, 1, 0], 4.4, 750.0),
}


def _saw_table(harmonics: int = 14) -> np.ndarray:
    k = np.arange(1, harmonics + 1)[:, None]
    phase = np.linspace(0, 2 * np.pi, _TABLE, endpoint=False)[None, :]
    table = (np.sin(k * phase) / k).sum(axis=0)
    return (table / np.abs(table).max()).astype(np.float32)


_SAW = _saw_table()


def _osc(freq: float | np.ndarray, n: int, rate: int, phase0: float = 0.0,
         table: np.ndarray | None = None) -> np.ndarray:
    """A wavetable oscillator (band-limited saw by default; ``table=None`` with ``freq`` an array works too)."""
    step = np.broadcast_to(np.asarray(freq, dtype=np.float64) / rate, (n,))
    phase = (phase0 + np.cumsum(step)) % 1.0
    t = _SAW if table is None else table
    return t[(phase * len(t)).astype(np.int64) % len(t)]


def _sine(freq: float | np.ndarray, n: int, rate: int, phase0: float = 0.0) -> np.ndarray:
    step = np.broadcast_to(np.asarray(freq, dtype=np.float64) / rate, (n,))
    return np.sin(2 * np.pi * (phase0 + np.cumsum(step))).astype(np.float32)


def _hz(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69) / 12)


def _env(n: int, rate: int, attack: float, release: float) -> np.ndarray:
    a, r = max(1, int(attack * rate)), max(1, int(release * rate))
    e = np.ones(n, dtype=np.float32)
    e[:min(a, n)] = np.linspace(0, 1, min(a, n), dtype=np.float32)
    if r < n:
        e[n - r:] *= np.linspace(1, 0, r, dtype=np.float32)
    return e


def _decay(n: int, rate: int, seconds: float, attack: float = 0.004) -> np.ndarray:
    t = np.arange(n, dtype=np.float32) / rate
    return (np.exp(-t / max(seconds, 1e-3)) * np.minimum(t / attack, 1.0)).astype(np.float32)


def _lowpass(x: np.ndarray, hz: float, rate: int, order: int = 2) -> np.ndarray:
    sos = scipy_signal().butter(order, min(hz, rate * 0.45), "low", fs=rate, output="sos")
    return scipy_signal().sosfilt(sos, x, axis=0).astype(np.float32)


def _band(x: np.ndarray, lo: float, hi: float, rate: int) -> np.ndarray:
    sos = scipy_signal().butter(2, [lo, min(hi, rate * 0.45)], "band", fs=rate, output="sos")
    return scipy_signal().sosfilt(sos, x, axis=0).astype(np.float32)


def _at_loudness(x: np.ndarray, rate: int, lufs: float) -> np.ndarray:
    measured = loudness(x, rate)
    if not np.isfinite(measured):
        return x.astype(np.float32)
    return (x * np.float32(10.0 ** ((lufs - measured) / 20.0))).astype(np.float32)


def _stereo(left: np.ndarray, right: np.ndarray | None = None) -> np.ndarray:
    return np.stack([left, left if right is None else right], axis=1).astype(np.float32)


def _chord(scale: str, degree: int) -> list[int]:
    """Chord tones (semitones above the key root) for a chord built on ``degree`` semitones."""
    minor_degrees = {0: "m", 3: "M", 5: "m", 7: "M", 8: "M", 10: "M", 1: "M"}
    major_degrees = {0: "M", 5: "M", 7: "M", 9: "m", 2: "m", 4: "m"}
    quality = (minor_degrees if scale == "minor" else major_degrees).get(degree, "M")
    third = 3 if quality == "m" else 4
    return [degree, degree + third, degree + 7, degree + 12]


# ---- beds -------------------------------------------------------------------------------------

def bed(mood: str, samples: int, rate: int, seed: int = 0) -> np.ndarray:
    """A music bed ``samples`` long for ``mood`` (stereo float32 at :data:`BED_LUFS`)."""
    if mood not in _PROGRESSIONS:
        mood = "calm"
    scale, degrees, bar, cutoff = _PROGRESSIONS[mood]
    rng = np.random.default_rng(seed)
    root = 45 + int(rng.integers(0, 7))  # A2 .. D#3
    n = max(int(samples), 1)
    left = np.zeros(n + rate, dtype=np.float32)
    right = np.zeros(n + rate, dtype=np.float32)
    seg = int(bar * rate)
    overlap = int(0.6 * rate)
    for i, start in enumerate(range(0, n, seg)):
        tones = _chord(scale, degrees[i % len(degrees)])
        m = min(seg + overlap, len(left) - start)
        env = _env(m, rate, 0.5, 0.7)
        for k, tone in enumerate(tones):
            f = _hz(root + 12 + tone)
            cents = 1.0 + 0.0035 * (1 if k % 2 else -1)
            left[start:start + m] += env * 0.22 * _osc(f * cents, m, rate, rng.random())
            right[start:start + m] += env * 0.22 * _osc(f / cents, m, rate, rng.random())
        bass = env * 0.35 * _sine(_hz(root + tones[0] - 12 * (tones[0] >= 7)), m, rate)
        left[start:start + m] += bass
        right[start:start + m] += bass
        _voice_mood(mood, left, right, start, m, rate, root, tones, rng)
    x = _lowpass(_stereo(left[:n], right[:n]), cutoff, rate)
    x *= _env(n, rate, 0.4, 0.6)[:, None]
    return _at_loudness(x, rate, BED_LUFS)


def _voice_mood(mood: str, left: np.ndarray, right: np.ndarray, start: int, m: int, rate: int, root: int,
                tones: list[int], rng: np.random.Generator) -> None:
    """What makes each mood its own, laid over the pad of one chord (in place)."""
    def add(x: np.ndarray, at: int, pan: float = 0.0, gain: float = 1.0) -> None:
        end = min(at + len(x), len(left))
        if end <= at:
            return
        left[at:end] += x[:end - at] * gain * (1 - max(pan, 0))
        right[at:end] += x[:end - at] * gain * (1 + min(pan, 0))

    if mood in ("warm", "calm", "sad"):  # plucked or felt-piano notes over the chord
        step = {"warm": 0.4, "calm": 1.6, "sad": 0.8}[mood]
        length = int({"warm": 0.9, "calm": 1.8, "sad": 2.2}[mood] * rate)
        for j, at in enumerate(range(start, start + m - length // 3, int(step * rate))):
            if mood == "calm" and rng.random() < 0.5:
                continue
            f = _hz(root + 24 + tones[(j * 2 + (j // 4)) % 4])
            d = _decay(length, rate, {"warm": 0.25, "calm": 0.6, "sad": 0.9}[mood])
            note = (_sine(f, length, rate) + 0.3 * _sine(2 * f, length, rate) * _decay(length, rate, 0.15)) * d
            add(note, at, pan=0.3 * math.sin(j), gain=0.5)
    elif mood == "tense":  # drone, heartbeat, tremolo string
        drone = 0.3 * _sine(_hz(root - 12), m, rate)
        add(drone, start)
        beat = int(60 / 68 * rate)
        for at in range(start, start + m, beat):
            for off, g in ((0, 1.0), (int(0.22 * rate), 0.6)):
                k = int(0.25 * rate)
                thump = _sine(np.linspace(70, 38, k), k, rate) * _decay(k, rate, 0.07) * g
                add(thump, at + off, gain=1.4)
        trem = 0.5 + 0.5 * np.sin(2 * np.pi * 7.5 * np.arange(m) / rate)
        string = _osc(_hz(root + 31 + tones[2] % 12), m, rate) * trem.astype(np.float32) * _env(m, rate, 1.0, 0.8)
        add(string * 0.06, start, pan=0.4)
    elif mood == "angry":  # drums on an eighth grid, driven bass
        eighth = int(60 / 104 / 2 * rate)
        for j, at in enumerate(range(start, start + m - eighth, eighth)):
            k = int(0.35 * rate)
            if j % 4 in (0, 3):
                add(_sine(np.linspace(110, 42, k), k, rate) * _decay(k, rate, 0.12), at, gain=1.6)
            if j % 4 == 2:
                noise = rng.standard_normal(k).astype(np.float32)
                add(_band(noise, 150, 900, rate) * _decay(k, rate, 0.09), at, gain=1.1)
            b = eighth
            bass = np.tanh(3 * _osc(_hz(root - 12 + tones[0]), b, rate)) * _decay(b, rate, 0.18)
            add(bass.astype(np.float32), at, gain=0.35)
    elif mood == "mystery":  # pedal and bells
        add(0.25 * _sine(_hz(root - 12), m, rate), start)
        for at in range(start, start + m, int(1.1 * rate)):
            if rng.random() < 0.55:
                continue
            k = int(2.5 * rate)
            f = _hz(root + 36 + tones[int(rng.integers(0, 4))])
            index = 2.5 * _decay(k, rate, 0.5)
            mod = np.sin(2 * np.pi * 3.5 * f * np.arange(k) / rate) * index
            bell = np.sin(2 * np.pi * f * np.arange(k) / rate + mod).astype(np.float32) * _decay(k, rate, 0.9)
            add(bell, at, pan=float(rng.uniform(-0.6, 0.6)), gain=0.18)


# ---- stings and ambience -----------------------------------------------------------------------

def _impact(rate: int, rng: np.random.Generator, size: float = 1.0, root: float = 41.2) -> np.ndarray:
    n = int((1.2 + 1.4 * size) * rate)
    boom = _sine(np.geomspace(95, 32, n), n, rate) * _decay(n, rate, 0.45 * size)
    crack = _band(rng.standard_normal(n).astype(np.float32), 800, 6000, rate) * _decay(n, rate, 0.05)
    braam = np.zeros(n, dtype=np.float32)
    for mult, g in ((1, 1.0), (1.5, 0.6), (2, 0.7), (3, 0.25)):
        braam += g * _osc(root * mult * (1 + 0.004 * rng.standard_normal()), n, rate)
    braam = np.tanh(1.8 * braam) * _decay(n, rate, 0.55 * size, attack=0.02)
    braam = _lowpass(braam, 1200, rate)
    tail = _lowpass(rng.standard_normal(n).astype(np.float32), 2500, rate) * _decay(n, rate, 0.6 * size, 0.05)
    return (1.2 * boom + 0.25 * crack + 0.6 * braam + 0.08 * tail).astype(np.float32)


def sting(kind: str, rate: int, seed: int = 0) -> np.ndarray:
    """A ``hit`` or a ``cliffhanger`` sting (stereo float32 at :data:`STING_LUFS`)."""
    rng = np.random.default_rng(seed)
    if kind == "cliffhanger":
        hits = [(0.0, 0.35, 41.2), (0.3, 0.35, 43.65), (0.62, 2.0, 38.9)]  # dun — dun — DUNN
        n = int(3.4 * rate)
        x = np.zeros(n, dtype=np.float32)
        for at, size, root in hits:
            h = _impact(rate, rng, size, root)
            a = int(at * rate)
            x[a:a + len(h)] += h[:n - a]
        k = int(2.6 * rate)  # a high shimmer over the tail
        t = np.arange(k) / rate
        shimmer = sum(np.sin(2 * np.pi * f * t) for f in (1318.5, 1567.9, 1975.5)).astype(np.float32)
        shimmer *= (0.5 + 0.5 * np.sin(2 * np.pi * 9 * t)).astype(np.float32) * _decay(k, rate, 0.9, 0.3)
        a = int(0.62 * rate)
        x[a:a + k] += 0.02 * shimmer[:n - a]
    else:
        x = _impact(rate, rng)
    d = int(0.011 * rate)  # a touch of width
    right = np.concatenate([np.zeros(d, np.float32), x[:-d]])
    return _at_loudness(_stereo(x, 0.8 * x + 0.2 * right), rate, STING_LUFS)


def ambience(kind: str, samples: int, rate: int, seed: int = 0) -> np.ndarray:
    """``room`` tone, ``street`` hum or ``rain`` (stereo float32 at :data:`BED_LUFS`); silence for ``none``."""
    n = max(int(samples), 1)
    if kind == "none":
        return np.zeros((n, 2), dtype=np.float32)
    rng = np.random.default_rng(seed)
    white = rng.standard_normal((n, 2)).astype(np.float32)
    if kind == "rain":
        hiss = _band(white, 1500, 9000, rate)
        drops = (rng.random((n, 2)) < 40 / rate).astype(np.float32) * rng.uniform(0.3, 1, (n, 2)).astype(np.float32)
        drops = _band(drops, 2000, 7000, rate) * 6
        rumble = _lowpass(white[::-1].copy(), 200, rate) * 2
        x = hiss + drops + rumble
    elif kind == "street":
        x = _lowpass(white, 600, rate)
        swell = 0.6 + 0.4 * np.sin(2 * np.pi * np.arange(n) / rate / 9.0 + rng.random() * 6)[:, None]
        x *= swell.astype(np.float32)
    else:
        brown = np.cumsum(white, axis=0)
        sos = scipy_signal().butter(2, [90, 1400], "band", fs=rate, output="sos")
        x = scipy_signal().sosfilt(sos, brown, axis=0).astype(np.float32) + 0.02 * _band(white, 300, 3000, rate)
    x *= _env(n, rate, 0.3, 0.3)[:, None]
    return _at_loudness(x.astype(np.float32), rate, BED_LUFS)


# ---- the user's files ------------------------------------------------------------------------------

def load_music(path: str | Path, rate: int) -> np.ndarray:
    """Decode any audio file PyAV reads (WAV, MP3, FLAC, OGG, M4A …) to stereo float32 at ``rate``; at most
    :data:`~reelwright.limits.MAX_MUSIC_SECONDS` of it. A file that is not audio is an :class:`InputError`."""
    import av  # noqa: PLC0415

    chunks = []
    limit, got = MAX_MUSIC_SECONDS * rate, 0
    try:
        with av.open(str(path)) as c:
            if not c.streams.audio:
                raise InputError("music file has no audio stream", path=path)
            stream = c.streams.audio[0]
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=rate)
            for frame in c.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray())
                    got += chunks[-1].shape[1]
                if got >= limit:
                    break
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray())
    except av.FFmpegError as exc:
        raise InputError(f"music file is not audio reelwright can decode ({exc.strerror or exc})", path=path) from None
    if not chunks:
        return np.zeros((0, 2), dtype=np.float32)
    return np.concatenate(chunks, axis=1).T.astype(np.float32)


def probe_audio(path: str | Path) -> None:
    """Raise :class:`InputError` unless ``path`` opens as a file with an audio stream (reads the header only)."""
    import av  # noqa: PLC0415

    try:
        with av.open(str(path)) as c:
            if not c.streams.audio:
                raise InputError("music file has no audio stream", path=path)
    except av.FFmpegError as exc:
        raise InputError(f"music file is not audio reelwright can decode ({exc.strerror or exc})", path=path) from None


def fit(x: np.ndarray, samples: int, rate: int, fade: float = 0.5) -> np.ndarray:
    """Loop (with a crossfade) or trim ``x`` to ``samples``, faded in and out."""
    n = max(int(samples), 1)
    if len(x) == 0:
        return np.zeros((n, 2), dtype=np.float32)
    xf = min(int(fade * rate), len(x) // 4)
    out = np.zeros((n, x.shape[1]), dtype=np.float32)
    pos = 0
    while pos < n:
        piece = x[:min(len(x), n - pos)].copy()
        if pos and xf:
            ramp = np.linspace(0, 1, min(xf, len(piece)), dtype=np.float32)[:, None]
            piece[:len(ramp)] *= ramp
            out[pos:pos + len(ramp)] *= 1 - ramp
        out[pos:pos + len(piece)] += piece
        pos += max(len(piece) - xf, 1) if len(piece) == len(x) else len(piece)
    return out * _env(n, rate, min(fade, 0.2), fade)[:, None]


# ---- an episode's stem ---------------------------------------------------------------------------

def duck_gain(samples: int, spans: Sequence[tuple[int, int]], rate: int, depth_db: float, *,
              attack: float = 0.08, release: float = 0.35) -> np.ndarray:
    """Linear gain per sample: 1 away from speech, ``-depth_db`` under it, ramped ``attack`` s before each
    span (look-ahead: the duck is full when the first word starts) and released ``release`` s after it."""
    hop = max(rate // 200, 1)  # 5 ms steps
    m = samples // hop + 2
    mask = np.zeros(m, dtype=np.float32)
    a, r = int(attack * rate / hop), int(release * rate / hop)
    for s, e in spans:
        mask[max(s // hop - a, 0):min(e // hop + r + 1, m)] = 1.0
    if a > 1:
        kernel = np.ones(a, dtype=np.float32) / a
        ramp = np.convolve(np.pad(mask, (a, a), mode="edge"), kernel, mode="same")[a:-a]
        mask = np.maximum(ramp, 0.0)
        for s, e in spans:  # full depth over the speech itself
            mask[s // hop:min(e // hop + 1, m)] = 1.0
    gain_db = -depth_db * mask
    per_sample = np.interp(np.arange(samples) / hop, np.arange(m), gain_db)
    return (10.0 ** (per_sample / 20.0)).astype(np.float32)


@dataclass(frozen=True)
class BedCue:
    start: int  # samples
    end: int
    mood: str
    ambience: str = "room"
    file: str | None = None  # the user's music (an absolute path), or None to synthesise
    seed: int = 0


@dataclass(frozen=True)
class StingHit:
    at: int  # sample
    kind: str = "hit"
    file: str | None = None
    seed: int = 0


def music_stem(total: int, rate: int, beds: Sequence[BedCue], stings: Sequence[StingHit],
               speech: Sequence[tuple[int, int]], *, dialogue_lufs: float, music_db: float = -9.0,
               duck_db: float = 12.0, sting_db: float = -4.0, ambience_db: float = -24.0, music: bool = True,
               use_ambience: bool = True, loader: Callable[[str, int], np.ndarray] | None = None) -> np.ndarray:
    """The music-and-effects stem of an episode: ``(total, 2)`` float32 at levels relative to the dialogue.

    Beds play ``music_db`` under the dialogue's loudness between lines and duck ``duck_db`` more under
    ``speech`` (sample spans); ambience ducks a third as far; stings play ``sting_db`` against the dialogue
    and duck half as far when they land on a word. A bed stops on a cliffhanger sting.
    """
    loader = loader or load_music
    out = np.zeros((total, 2), dtype=np.float32)
    duck = duck_gain(total, speech, rate, duck_db)
    cliff = min((s.at for s in stings if s.kind == "cliffhanger"), default=None)
    bed_gain = 10.0 ** ((dialogue_lufs + music_db - BED_LUFS) / 20.0)
    amb_gain = 10.0 ** ((dialogue_lufs + ambience_db - BED_LUFS) / 20.0)
    tail = int(0.5 * rate)
    for cue in beds:
        start, end = max(cue.start, 0), min(cue.end, total)
        if end <= start:
            continue
        if music and cue.file != "none":
            stop = min(end + tail, total)
            n = stop - start
            if cue.file:
                x = fit(_at_loudness(loader(cue.file, rate), rate, BED_LUFS), n, rate)
            else:
                x = bed(cue.mood, n, rate, cue.seed)
            if cliff is not None and start < cliff < stop:  # cut dead (a 20 ms fade) on the cliffhanger
                k = min(int(0.02 * rate), cliff - start)
                x[cliff - start - k:cliff - start] *= np.linspace(1, 0, k, dtype=np.float32)[:, None]
                x[cliff - start:] = 0.0
            out[start:stop] += x * np.float32(bed_gain) * duck[start:stop, None]
        if use_ambience and cue.ambience != "none":
            amb = ambience(cue.ambience, end - start, rate, cue.seed + 1)
            out[start:end] += amb * np.float32(amb_gain) * (duck[start:end, None] ** (1 / 3))
    for hit in stings:
        x = _at_loudness(loader(hit.file, rate), rate, STING_LUFS) if hit.file else sting(hit.kind, rate, hit.seed)
        gain = 10.0 ** ((dialogue_lufs + sting_db - STING_LUFS) / 20.0)
        a = max(hit.at, int(0.06 * rate))  # AAC overshoots a loud onset in its very first frames
        b = min(a + len(x), total)
        if b > a:
            out[a:b] += x[:b - a] * np.float32(gain) * np.sqrt(duck[a:b, None])
    return out


def applied_gain(before: np.ndarray, after: np.ndarray, block: int = 16) -> np.ndarray:
    """The per-sample gain that turned ``before`` into ``after`` (a normaliser's slow gain and limiter), measured
    per ``block`` samples and held across silence: apply it to a stem to get the stem as it sits in the mix."""
    n = len(before)
    m = -(-n // block) * block
    b = np.zeros((m, before.shape[1] if before.ndim > 1 else 1), np.float64)
    a = np.zeros_like(b)
    b[:n] = before.reshape(n, -1)
    a[:n] = after.reshape(n, -1)
    eb = np.square(b).reshape(-1, block * b.shape[1]).sum(axis=1)
    ea = np.square(a).reshape(-1, block * a.shape[1]).sum(axis=1)
    ok = eb > 1e-12
    if not ok.any():
        return np.ones(n, dtype=np.float32)
    g = np.sqrt(ea[ok] / eb[ok])
    centres = (np.flatnonzero(ok) + 0.5) * block
    return np.interp(np.arange(n), centres, g).astype(np.float32)

"""Audio DSP: loudness normalisation, true peak, mixing, mouth tracks, WAV files, pitch.

Every signal is generated here; nothing is read from outside the repository.
"""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np
import pyloudnorm
import pytest

from reelwright.media.audio import (
    Audio,
    frame_envelope,
    loudness,
    match_loudness,
    mix,
    mouth_track,
    normalize,
    pitch_hz,
    read_wav,
    resample,
    trim_silence,
    true_peak_dbtp,
    write_wav,
)

SR = 48000


def _tone(freq: float, seconds: float, amp: float = 0.5, sr: int = SR) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _quiet_bursts(seconds: float = 20.0, channels: int = 2) -> np.ndarray:
    """Sine + noise bursts around -45 LUFS, with gaps: the gating and the gain both matter."""
    rng = np.random.default_rng(1)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    gate = (np.sin(2 * np.pi * 0.7 * t) > -0.2).astype(np.float32)
    x = (0.01 * np.sin(2 * np.pi * 220 * t) + 0.004 * rng.standard_normal(n)) * gate
    return np.stack([x, 0.8 * x], axis=1).astype(np.float32)[:, :channels]


def _spiky_speechlike(seconds: float = 20.0) -> np.ndarray:
    """Syllable-like harmonic bursts with random levels plus sample-sized clicks far above them."""
    rng = np.random.default_rng(2)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    syllables = np.repeat(rng.uniform(0, 1, n // 9600 + 1), 9600)[:n] ** 3
    voice = np.sin(2 * np.pi * 140 * t) + 0.5 * np.sin(2 * np.pi * 280 * t + 1) + 0.2 * rng.standard_normal(n)
    x = 0.6 * syllables * voice
    x[rng.integers(0, n, 80)] += rng.choice([-1, 1], 80) * 2.5  # +8 dBFS clicks
    return np.stack([x, np.roll(x, 37)], axis=1).astype(np.float32)


@pytest.mark.parametrize("make", [_quiet_bursts, _spiky_speechlike], ids=["quiet", "spiky"])
def test_normalize_hits_loudness_and_true_peak(make):
    x = make()
    y = normalize(x, SR, -14.0, -1.0)
    assert y.shape == x.shape and y.dtype == np.float32
    assert abs(pyloudnorm.Meter(SR).integrated_loudness(y.astype(np.float64)) + 14.0) <= 0.5
    assert abs(loudness(y, SR) + 14.0) <= 0.5
    assert true_peak_dbtp(y, SR) <= -1.0


def test_normalize_mono_and_silence():
    y = normalize(_spiky_speechlike(5.0)[:, 0], SR)
    assert y.ndim == 1 and true_peak_dbtp(y, SR) <= -1.0 and abs(loudness(y, SR) + 14.0) <= 0.5
    silent = np.zeros((SR, 2), np.float32)
    assert np.array_equal(normalize(silent, SR), silent)


@pytest.mark.slow
def test_normalize_is_fast_on_three_minutes_of_stereo():
    x = np.tile(_spiky_speechlike(20.0), (9, 1))  # 3 minutes
    start = time.perf_counter()
    y = normalize(x, SR)
    elapsed = time.perf_counter() - start
    assert true_peak_dbtp(y, SR) <= -1.0
    assert elapsed < 8.0, f"normalize took {elapsed:.2f} s on 3 min of stereo"  # ~1 s; slack for busy CI


def test_loudness_matches_pyloudnorm():
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((7 * SR + 123, 2)) * np.linspace(0.001, 0.3, 7 * SR + 123)[:, None]).astype(np.float32)
    for sr in (SR, 44100):
        assert loudness(x, sr) == pytest.approx(pyloudnorm.Meter(sr).integrated_loudness(x), abs=1e-3)
    assert loudness(np.zeros(SR, np.float32), SR) == float("-inf")
    assert np.isfinite(loudness(_tone(440, 0.2), SR))  # shorter than a block: measured as one block


def test_true_peak_sees_intersample_peaks():
    # fs/4 sine with a 45° phase: samples reach 0.707 * amplitude, the waveform its full amplitude
    n = np.arange(SR)
    x = (0.9 * np.sin(2 * np.pi * n / 4 + np.pi / 4)).astype(np.float32)
    sample_peak = 20 * np.log10(np.abs(x).max())
    assert true_peak_dbtp(x, SR) > sample_peak + 2.5
    assert true_peak_dbtp(x, SR) == pytest.approx(20 * np.log10(0.9), abs=0.3)
    assert true_peak_dbtp(np.zeros(10, np.float32), SR) == float("-inf")


def test_mix_places_clips_at_exact_offsets():
    a = np.ones(10, np.float32)
    b = np.full((5, 2), 0.25, np.float32)
    out = mix([(100, a, 0.5), (105, b, 2.0), (-3, a, 1.0), (995, a, 1.0)], 1000, channels=2)
    assert out.shape == (1000, 2) and out.dtype == np.float32
    assert np.all(out[:7] == 1.0) and np.all(out[7:100] == 0.0)
    assert np.all(out[100:105] == 0.5) and np.all(out[105:110] == 1.0) and np.all(out[110:995] == 0.0)
    assert np.all(out[995:] == 1.0)  # cropped at the end
    assert np.argmax(mix([(4321, np.ones(1, np.float32), 1.0)], 10000, channels=1)[:, 0]) == 4321


def _runs(track: list[bool]) -> np.ndarray:
    """Lengths of the runs of equal states, the first one left out (the mouth is closed before a clip)."""
    return np.diff(np.flatnonzero(np.diff(np.r_[-1, np.array(track, int), -1]) != 0))[1:]


def test_mouth_opens_on_tone_closes_on_silence_without_flicker():
    fps = 30
    quiet = np.zeros(SR // 2, np.float32)
    x = np.concatenate([quiet, _tone(200, 1.0), quiet, _tone(200, 0.5), quiet])
    track = mouth_track(x, SR, fps)
    assert len(track) == len(frame_envelope(x, SR, fps)) == int(np.ceil(len(x) * fps / SR))
    assert not any(track[:14]) and all(track[16:44]) and not any(track[46:59]) and not any(track[-14:])
    assert _runs(track).min() >= 2
    # a flickering envelope (alternate frames loud/quiet) is held for at least two frames
    frame = SR // fps
    flicker = np.concatenate([_tone(200, 1 / fps) if i % 2 else np.zeros(frame, np.float32) for i in range(30)])
    flickering = mouth_track(flicker, SR, fps)
    assert any(flickering) and _runs(flickering).min() >= 2
    assert not any(mouth_track(np.zeros(SR, np.float32), SR, fps))
    assert not any(mouth_track(1e-4 * np.random.default_rng(0).standard_normal(SR).astype(np.float32), SR, fps))


def test_frame_envelope_at_ntsc_rate():
    env = frame_envelope(_tone(300, 1.0, amp=1.0), SR, Fraction(30000, 1001))
    assert len(env) == 30 and env[5] == pytest.approx(1 / np.sqrt(2), rel=0.02)


@pytest.mark.parametrize("fmt", ["pcm16", "float32"])
def test_wav_round_trip(tmp_path, fmt):
    stereo = np.stack([_tone(440, 0.25), _tone(660, 0.25, 0.25)], axis=1)
    path = write_wav(tmp_path / "sub" / "x.wav", Audio(stereo, SR), sample_format=fmt)
    back = read_wav(path)
    assert back.sample_rate == SR and back.samples.shape == stereo.shape and back.samples.dtype == np.float32
    assert np.max(np.abs(back.samples - stereo)) <= (1 / 32767 if fmt == "pcm16" else 0.0)
    mono = read_wav(write_wav(tmp_path / "m.wav", Audio(_tone(100, 0.1), 22050)))
    assert mono.samples.ndim == 1 and mono.sample_rate == 22050
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["m.wav", "sub", "x.wav"]  # no temp files left


def test_read_wav_24_bit(tmp_path):
    import struct

    values = np.array([0, 1, -1, 2 ** 23 - 1, -(2 ** 23), 12345])
    payload = b"".join(int(v & 0xFFFFFF).to_bytes(3, "little") for v in values)
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 24000, 3, 24)
    header = b"RIFF" + struct.pack("<I", 36 + len(payload)) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
    (tmp_path / "a.wav").write_bytes(header + b"data" + struct.pack("<I", len(payload)) + payload)
    audio = read_wav(tmp_path / "a.wav")
    assert audio.sample_rate == 8000 and np.array_equal(audio.samples * 2.0 ** 23, values)


def test_read_wav_rejects_garbage(tmp_path):
    from reelwright.errors import InputError

    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav at all")
    with pytest.raises(InputError, match="bad.wav"):
        read_wav(bad)


@pytest.mark.parametrize("freq", [150.0, 240.0])
def test_pitch_hz_recovers_tone(freq):
    rng = np.random.default_rng(4)
    x = _tone(freq, 1.0) + 0.3 * _tone(2 * freq, 1.0) + 0.01 * rng.standard_normal(SR).astype(np.float32)
    assert pitch_hz(x, SR) == pytest.approx(freq, rel=0.05)
    assert pitch_hz(np.zeros(SR, np.float32), SR) == 0.0


def test_resample_trim_and_level():
    y = resample(_tone(1000, 1.0, sr=22050), 22050, SR)
    assert len(y) == SR and np.argmax(np.abs(np.fft.rfft(y))) == 1000  # 1 Hz bins over one second
    x = np.concatenate([np.zeros(SR), _tone(200, 0.5), np.zeros(SR)]).astype(np.float32)
    trimmed = trim_silence(x, SR, pad_ms=60)
    assert abs(len(trimmed) - (SR // 2 + 2 * int(0.06 * SR))) <= SR // 100
    levelled = match_loudness(x, SR, -20.0)
    assert loudness(levelled, SR) == pytest.approx(-20.0, abs=0.05)

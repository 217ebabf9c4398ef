"""Speech providers: Piper (English) and espeak-ng (Mandarin via pinyin, any espeak language)."""

from __future__ import annotations

import numpy as np
import pytest

from reelwright.errors import ProviderError
from reelwright.media.audio import pitch_hz
from reelwright.providers.base import Audio
from reelwright.providers.registry import get_provider
from reelwright.providers.speech_espeak import EspeakSpeech, to_pinyin
from reelwright.providers.speech_piper import PiperSpeech

SENTENCE = "The rain had not stopped for three days, and she was tired of waiting."

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def piper() -> PiperSpeech:
    provider = get_provider("speech:piper")
    assert isinstance(provider, PiperSpeech)
    provider.load()  # the voice is loaded once for the whole session
    return provider


@pytest.fixture(scope="session")
def espeak() -> EspeakSpeech:
    provider = get_provider("speech:espeak")
    assert isinstance(provider, EspeakSpeech)
    return provider


def _rms(audio: Audio) -> float:
    return float(np.sqrt(np.mean(np.square(audio.samples, dtype=np.float64))))


def _check(audio: Audio, low: float = 0.5, high: float = 6.0) -> None:
    assert audio.sample_rate == 48000 and audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert low <= audio.seconds <= high
    assert _rms(audio) > 0.02 and np.abs(audio.samples).max() <= 1.0
    edge = int(0.03 * audio.sample_rate)  # trimmed: about 60 ms of near-silence at each end, not seconds
    assert np.abs(audio.samples[:edge]).max() < 0.05 and np.abs(audio.samples[-edge:]).max() < 0.05


def test_registry_finds_both(piper, espeak):
    assert isinstance(get_provider("speech:espeak", {"variant": "f2"}), EspeakSpeech)
    with pytest.raises(ProviderError, match="bad options"):
        get_provider("speech:piper", {"modle": "typo.onnx"})


def test_piper_speaks_english(piper):
    audio = piper.synthesize(SENTENCE, language="en")
    _check(audio)


def test_piper_pitch_makes_distinct_voices_at_the_same_pace(piper):
    low = piper.synthesize(SENTENCE, language="en", pitch=-3.0)
    high = piper.synthesize(SENTENCE, language="en", pitch=4.0)
    f_low, f_high = pitch_hz(low.samples, 48000), pitch_hz(high.samples, 48000)
    assert f_low > 0 and f_high >= 1.15 * f_low  # 7 semitones apart: about 1.5x
    assert abs(low.seconds - high.seconds) <= 0.2 * max(low.seconds, high.seconds)


def test_piper_rate(piper):
    normal = piper.synthesize(SENTENCE, language="en", rate=1.0)
    fast = piper.synthesize(SENTENCE, language="en", rate=1.3)
    assert fast.seconds < 0.92 * normal.seconds


def test_piper_identity_and_language(piper, tmp_path):
    ident = piper.identity()
    assert ident["model"] == "en_US-joe-medium.onnx" and ident["provider"] == "speech:piper"
    assert PiperSpeech({"noise_scale": 0.3}).identity() != ident
    with pytest.raises(ProviderError, match="speech:espeak"):
        piper.synthesize("你好", language="zh")
    with pytest.raises(ProviderError, match="not found"):
        PiperSpeech({"model": str(tmp_path / "missing.onnx")}).synthesize("Hi.", language="en")
    assert PiperSpeech({"model": str(tmp_path / "other.onnx")}).identity()["model"] == "other.onnx"


def test_pinyin_text():
    assert to_pinyin("你好，我是林晚。") == "ni2 hao3, wo3 shi4 lin2 wan3."
    assert to_pinyin("走吧！") == "zou3 ba5!"


def test_espeak_speaks_mandarin_and_english(espeak):
    assert espeak.voice_name("zh", "f3") == ("cmn-latn-pinyin+f3", True)
    assert espeak.voice_name("en_US", None) == ("en-us+m3", False)
    _check(espeak.synthesize("你好，我是林晚。", language="zh"), 0.8, 5.0)
    _check(espeak.synthesize("Hello, my name is Lin Wan.", language="en"), 0.5, 5.0)
    with pytest.raises(ProviderError, match="no voice"):
        espeak.synthesize("x", language="xx-nowhere")


def test_espeak_variants_differ_in_pitch(espeak):
    text = "你好，我是林晚。今天天气很好。"
    male = espeak.synthesize(text, language="zh", voice="m1")
    female = espeak.synthesize(text, language="zh", voice="f3")
    assert pitch_hz(female.samples, 48000) >= 1.3 * pitch_hz(male.samples, 48000)
    up = espeak.synthesize(text, language="zh", voice="m1", pitch=6.0)
    assert pitch_hz(up.samples, 48000) >= 1.15 * pitch_hz(male.samples, 48000)


def test_piper_and_espeak_share_a_process(piper, espeak):
    """libespeak-ng (espeakng-loader) and piper's static espeak copy must not disturb each other."""
    voice = piper.load()
    before = voice.phonemize(SENTENCE)
    espeak.synthesize("Bonjour à tous.", language="fr")
    assert voice.phonemize(SENTENCE) == before
    _check(piper.synthesize(SENTENCE, language="en"))

"""Speech in any language espeak-ng knows, through the libespeak-ng bundled in ``espeakng-loader``.

The shared library is driven with ctypes (no system espeak): initialised once
per process in synchronous mode, samples collected by a synth callback, calls
serialised by a lock (espeak-ng keeps global state). It coexists with Piper in
one process: Piper links its own static copy of espeak-ng into its
``espeakbridge`` extension, and both are loaded ``RTLD_LOCAL``, so each keeps
its own symbols and state (checked by the tests).

Mandarin (``zh``, ``cmn``, …) is converted with pypinyin to tone-numbered pinyin
(tone sandhi applied, neutral tone 5, punctuation kept as pauses) and spoken by
the ``cmn-latn-pinyin`` voice. A Chinese line whose character speaks Cantonese
(``dialect = "cantonese"``, 粤语) is spoken by espeak-ng's Cantonese voice
(``yue``, reading the characters through its own Cantonese dictionary); other
dialects have no espeak voice and are spoken in Mandarin. Variants (``m1``…``m8``, ``f1``…``f5``, ``klatt``…)
change the speaker; ``pitch`` (semitones) moves espeak's pitch parameter, mapped
so that the measured median pitch moves by about that many semitones (within the
parameter's reach, about -7..+9 semitones around the default).
Output: 48 kHz mono float32, silence trimmed, each line levelled.
"""

from __future__ import annotations

import ctypes
import logging
import re
import threading
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from reelwright.documents.bible import dialect_key
from reelwright.errors import ProviderError
from reelwright.media.audio import match_loudness, resample, trim_silence
from reelwright.providers.base import Audio, ProviderOptions, SpeechProvider

__all__ = ["EspeakOptions", "EspeakSpeech", "to_pinyin", "MANDARIN", "CHINESE", "DIALECT_VOICES"]

log = logging.getLogger(__name__)

ALGORITHM = 1  # bump when the text preparation or post-processing changes the sound
MANDARIN = frozenset({"zh", "cmn", "zh-cn", "zh-sg", "zh-hans", "cmn-hans", "zh-cmn", "cmn-latn-pinyin"})
CHINESE = MANDARIN | {"zh-tw", "zh-hk", "zh-hant", "yue", "zh-yue"}  # lines written in Chinese characters
DIALECT_VOICES = {"cantonese": "yue"}  # dialect key -> espeak-ng voice reading Chinese characters

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE, _PITCH, _RANGE, _WORDGAP = 1, 3, 4, 7
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

_PUNCTUATION = str.maketrans({
    "，": ", ", "、": ", ", "。": ". ", "！": "! ", "？": "? ", "；": "; ", "：": ": ", "…": ". ", "—": ", ",
    "～": ", ", "·": " ", "（": ", ", "）": ", ", "《": " ", "》": " ", "「": " ", "」": " ", "『": " ", "』": " ",
    "“": " ", "”": " ", "‘": " ", "’": " ", "【": ", ", "】": ", ", "\u3000": " ",
})


def _dist_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def to_pinyin(text: str) -> str:
    """Chinese text to tone-numbered pinyin for ``cmn-latn-pinyin`` ("你好。" -> "ni2 hao3.")."""
    from pypinyin import Style, lazy_pinyin  # noqa: PLC0415

    syllables = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, tone_sandhi=True)
    spaced = " ".join(s.translate(_PUNCTUATION) for s in syllables)
    spaced = re.sub(r"\s+([,.!?;:])", r"\1", spaced)
    spaced = re.sub(r"([,.!?;:])(?:\s*[,.!?;:])+", r"\1", spaced)  # ", ," from stacked marks
    return re.sub(r"\s+", " ", spaced).strip(" ,")


def _pitch_parameter(base: int, semitones: float) -> int:
    """espeak's pitch parameter (0..100) that moves the spoken median pitch by ``semitones`` from ``base``.

    Measured on the bundled voices, the median pitch is about ``A * 2**((p - 50) / 50) + C`` with C/A = 0.4
    (the intonation contour does not scale), so the parameter reaches about -7..+9 semitones from 50.
    """
    ratio = 0.4
    level = (2.0 ** ((base - 50) / 50.0) + ratio) * 2.0 ** (semitones / 12.0) - ratio
    return int(np.clip(round(50.0 + 50.0 * np.log2(max(level, 1e-3))), 0, 100))


class _Engine:
    """The process's one libespeak-ng instance."""

    def __init__(self) -> None:
        try:
            import espeakng_loader  # noqa: PLC0415

            self.lib = ctypes.CDLL(espeakng_loader.get_library_path())  # RTLD_LOCAL: never clashes with piper
            self.data = Path(espeakng_loader.get_data_path())
        except (ImportError, OSError, RuntimeError) as exc:
            raise ProviderError(f"speech:espeak: cannot load libespeak-ng from espeakng-loader: {exc} "
                                "(pip install espeakng-loader)") from exc
        lib = self.lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                     ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p
        self.sample_rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, str(self.data).encode(),
                                                 _INITIALIZE_DONT_EXIT)
        if self.sample_rate <= 0:
            raise ProviderError(f"speech:espeak: espeak_Initialize failed with data at {self.data}")
        self.version = (lib.espeak_Info(None) or b"?").decode()
        self.variants = sorted(p.name for p in (self.data / "voices" / "!v").iterdir())
        self._chunks: list[np.ndarray] = []
        self._callback = _CALLBACK(self._collect)  # kept alive as long as the engine
        lib.espeak_SetSynthCallback(self._callback)
        self.lock = threading.Lock()

    def _collect(self, wav: Any, count: int, _events: Any) -> int:
        if count > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0

    def speak(self, text: str, voice: str, parameters: dict[int, int]) -> np.ndarray:
        """int16 samples of ``text`` spoken by ``voice`` ("lang+variant") at ``self.sample_rate``."""
        with self.lock:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ProviderError(f"speech:espeak: espeak-ng has no voice {voice!r}: before '+' must come an "
                                    "espeak-ng language (en-us, fr, cmn-latn-pinyin, …; map others with the "
                                    "'voices' option)")
            for parameter, value in parameters.items():
                self.lib.espeak_SetParameter(parameter, value, 0)
            self._chunks = []
            data = text.encode("utf-8")
            status = self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            chunks, self._chunks = self._chunks, []
        if status != 0:
            raise ProviderError(f"speech:espeak: espeak_Synth failed with status {status}")
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


_ENGINE: _Engine | None = None
_WARNED: set[str] = set()
_ENGINE_LOCK = threading.Lock()


def engine() -> _Engine:
    """The process-wide espeak-ng engine, started on first use."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = _Engine()
        return _ENGINE


class EspeakOptions(ProviderOptions):
    """Options of ``speech:espeak``."""

    variant: str = Field("m3", pattern=r"^[A-Za-z0-9_ -]+$",
                         description="default voice variant (m1..m8, f1..f5, klatt, …) when a character sets none")
    words_per_minute: int = Field(160, ge=80, le=450, description="speaking rate at rate 1.0")
    pitch: int = Field(50, ge=0, le=100, description="espeak base pitch (0..100) before the semitone shift")
    pitch_range: int = Field(50, ge=0, le=100, description="intonation range (0 monotone, 50 normal)")
    word_gap_ms: int = Field(0, ge=0, le=500, description="extra pause between words")
    voices: dict[str, str] = Field(default_factory=dict, description="language -> espeak voice name overrides")
    loudness_lufs: float = Field(-20.0, ge=-40, le=-10, description="integrated loudness of each line")
    trim_ms: int = Field(60, ge=0, le=1000, description="silence kept before and after the speech")


class EspeakSpeech(SpeechProvider):
    """``speech:espeak``: formant speech for every espeak-ng language; Mandarin through pinyin.

    ``voice`` is a variant (``f3``) or ``language+variant`` (``cmn-latn-pinyin+f2``).
    """

    name: ClassVar[str] = "espeak"
    Options: ClassVar[type[ProviderOptions]] = EspeakOptions
    sample_rate: ClassVar[int] = 48000
    options: EspeakOptions

    def identity(self) -> dict[str, Any]:
        return {**super().identity(), "model": f"espeak-ng ({_dist_version('espeakng-loader')})",
                "pypinyin": _dist_version("pypinyin"), "algorithm": ALGORITHM}

    def speaks_dialect(self, dialect: str, language: str) -> bool:
        code = language.strip().lower().replace("_", "-")
        return dialect_key(dialect) in DIALECT_VOICES and code in CHINESE

    def voice_name(self, language: str, voice: str | None = None, dialect: str | None = None) -> tuple[str, bool]:
        """The espeak voice ("lang+variant") for ``language`` (and ``dialect``) and whether the text goes
        through pinyin."""
        base, _, variant = voice.rpartition("+") if voice else ("", "", "")
        variant = variant or self.options.variant
        code = language.strip().lower().replace("_", "-")
        if not base and dialect and self.speaks_dialect(dialect, language):
            base = self.options.voices.get(dialect_key(dialect)) or DIALECT_VOICES[dialect_key(dialect)]
        if not base:
            base = self.options.voices.get(code) or ("cmn-latn-pinyin" if code in MANDARIN else code)
        mandarin = base.lower() == "cmn-latn-pinyin"
        if not re.fullmatch(r"[A-Za-z0-9_ -]+", variant):
            raise ProviderError(f"speech:espeak: bad variant {variant!r}")
        return f"{base}+{variant}", mandarin

    def synthesize(self, text: str, *, language: str, voice: str | None = None, pitch: float = 0.0,
                   rate: float = 1.0, reference: str | None = None, dialect: str | None = None,
                   instructions: str | None = None) -> Audio:

        if not -12.0 <= pitch <= 12.0 or not 0.25 <= rate <= 4.0:
            raise ValueError(f"pitch must be within ±12 semitones and rate within 0.25..4 (got {pitch}, {rate})")
        name, mandarin = self.voice_name(language, voice, dialect)
        if not mandarin and name.partition("+")[0] in DIALECT_VOICES.values():
            text = text.translate(_PUNCTUATION)  # full-width marks as pauses, as in the pinyin path
        spoken = to_pinyin(text) if mandarin else text
        o = self.options
        parameters = {
            _RATE: int(np.clip(round(o.words_per_minute * rate), 80, 450)),
            _PITCH: _pitch_parameter(o.pitch, pitch),
            _RANGE: o.pitch_range,
            _WORDGAP: round(o.word_gap_ms / 10),  # espeak's unit: 10 ms at the default speed
        }
        eng = engine()
        variant = name.rpartition("+")[2]
        if variant not in eng.variants and variant not in _WARNED:
            _WARNED.add(variant)
            log.warning("speech:espeak: no variant %r in espeak-ng-data/voices/!v; the plain voice speaks", variant)
        raw = eng.speak(spoken, name, parameters).astype(np.float32) / 32768.0
        samples = trim_silence(raw, eng.sample_rate, pad_ms=o.trim_ms)
        if not len(samples):  # nothing speakable: a short silence
            return Audio(np.zeros(max(self.sample_rate * 2 * o.trim_ms // 1000, 1), np.float32), self.sample_rate)
        samples = match_loudness(resample(samples, eng.sample_rate, self.sample_rate), self.sample_rate,
                                 o.loudness_lufs)
        return Audio(np.clip(samples, -1.0, 1.0).astype(np.float32), self.sample_rate)

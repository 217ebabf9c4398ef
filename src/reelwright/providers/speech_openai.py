"""``speech:openai``: voices from any OpenAI-compatible ``/audio/speech`` endpoint (standard library + numpy).

One request per line: ``POST {base_url}/audio/speech`` with ``{model, input, voice, response_format, speed}``
(plus ``instructions`` and ``extra`` fields where set). The answer is a WAV file (any PCM or float encoding;
the sizes a streaming server leaves open in the header are fixed up) or, with ``response_format = "pcm"``, raw
16-bit little-endian mono samples at ``pcm_rate`` (24 kHz on OpenAI). Output: mono float32 at the server's rate
(the voice stage resamples to the project's), each line levelled to ``loudness_lufs``.

Voices: the character's ``voice`` from ``bible.yaml``, else ``voices[language]`` (``zh``, ``en``, …), else
``default_voice``; ``voice_map`` renames a voice on the way out (so a bible written for espeak's ``f3`` can say
``nova`` here). For a character who speaks a dialect (``dialect`` in the bible), ``dialect_voices`` comes first
(for servers whose dialects are voices): ``"cantonese:f3"`` (the dialect and the character's bible voice), then
``cantonese``; only then the character's own voice. The
``instructions`` field carries, in order: the ``instructions`` option, a sentence naming the character's
dialect (``dialect_instructions[dialect]`` replaces it) and the character's own ``instructions``; it is sent
only when one of them is set. Rate goes to the server as ``speed``; pitch (semitones) is made here like the other providers
do it: ask for ``f = 2**(pitch/12)`` times slower speech and play it back ``f`` times faster (a resampling),
which restores the pace and moves the pitch.

Cloning: a ``reference`` clip (an audio file of the character's voice) is sent where the server clones voices:
``clone = "field"`` puts it base64-encoded into the JSON field named ``clone_field``; ``clone = "multipart"``
posts the same fields as a multipart form with the clip as the file ``clone_field``; ``clone = "none"``
(OpenAI) ignores it.

Retries: the endpoint is synchronous (no job to look up later), and a line is cheap and quick, so every case in
which the server did not hand over the audio is asked again with backoff: 429, 5xx, timeouts and dropped
connections. A refused connection fails at once (no server is listening; the message names base_url), and
400/401/403/404 are not retried: sending the same request again would get the same answer. A re-run of the
build asks only for the lines that are not in the cache.
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import struct
import tempfile
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from reelwright.documents.bible import dialect_key, dialect_name
from reelwright.errors import InputError, ProviderError
from reelwright.media.audio import match_loudness, read_wav, resample
from reelwright.providers.base import Audio, SpeechProvider
from reelwright.providers.http import HttpClient, HttpError, HttpOptions, multipart

__all__ = ["OpenAISpeech"]

log = logging.getLogger(__name__)

ALGORITHM = 1  # bump when the post-processing below changes what a line sounds like
_WHERE = '[providers.options."speech:openai"] in reelwright.toml'


class OpenAISpeech(SpeechProvider):
    name: ClassVar[str] = "openai"

    class Options(HttpOptions):
        base_url: str = Field("https://api.openai.com/v1", description="the API root, ending in /v1")
        api_key_env: str | None = Field("OPENAI_API_KEY", description="name of the environment variable holding "
                                        "the API key; empty for servers that need none")
        timeout: float = Field(60.0, gt=0, description="seconds to wait for one line")
        concurrency: int = Field(4, ge=1, le=64, description="at most this many lines in flight at once")
        model: str = Field("gpt-4o-mini-tts", description="model name as the server knows it (tts-1, tts-1-hd, "
                           "gpt-4o-mini-tts, or a local server's)")
        default_voice: str = Field("alloy", description="voice of characters without one")
        voices: dict[str, str] = Field(default_factory=dict, description="language → voice for characters "
                                       "without one (e.g. zh = \"zf_xiaobei\")")
        voice_map: dict[str, str] = Field(default_factory=dict, description="bible voice → server voice "
                                          "(e.g. f3 = \"nova\")")
        response_format: Literal["wav", "pcm"] = Field("wav", description="wav, or raw 16-bit PCM at pcm_rate")
        pcm_rate: int = Field(24000, ge=8000, le=192000, description="sample rate of pcm answers")
        instructions: str | None = Field(None, description="how to speak (gpt-4o-mini-tts); not sent when unset")
        dialect_voices: dict[str, str] = Field(default_factory=dict, description="dialect → server voice for the "
                                               "characters who speak it, before their own voice (e.g. sichuanese = "
                                               "\"sichuan_female\"; \"sichuanese:m1\" for those whose bible voice "
                                               "is m1)")
        dialect_instructions: dict[str, str] = Field(default_factory=dict, description="dialect → the sentence "
                                                     "sent as instructions for it (default: 'Speak in Sichuanese "
                                                     "(四川话), …')")
        clone: Literal["none", "field", "multipart"] = Field(
            "none", description="how a character's reference clip is sent: not at all, base64 in the JSON field "
            "clone_field, or as the multipart file clone_field")
        clone_field: str = Field("reference_audio", description="field that carries the reference clip")
        extra: dict[str, Any] = Field(default_factory=dict, description="more body fields, sent as given")
        loudness_lufs: float | None = Field(-20.0, ge=-40, le=-10, description="integrated loudness of each line; "
                                            "unset: as the server made it")

    options: Options

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.http = HttpClient(self.options, provider="speech:openai", where=_WHERE)

    @property
    def requests(self) -> int:
        """HTTP requests made (retries included)."""
        return self.http.requests

    def identity(self) -> dict[str, Any]:
        ident = super().identity()
        ident["algorithm"] = ALGORITHM
        return ident

    def speaks_dialect(self, dialect: str, language: str) -> bool:
        return True  # the server is told the dialect (instructions, and dialect_voices where set)

    def instructions_for(self, dialect: str | None, instructions: str | None) -> str:
        """The ``instructions`` field: the option's, the dialect's sentence, the character's own."""
        parts = [self.options.instructions or ""]
        key = dialect_key(dialect)
        if key:
            fixed = self.options.dialect_instructions
            parts.append(fixed.get(key) or fixed.get(dialect or "") or
                         f"Speak in {dialect_name(dialect)}, as a native speaker of it would, with its "
                         "pronunciation, tones and rhythm.")
        parts.append(instructions or "")
        return " ".join(p.strip() for p in parts if p.strip())

    def voice_for(self, voice: str | None, language: str, dialect: str | None = None) -> str:
        """The server's voice for a character's ``voice`` speaking ``dialect`` (dialect_voices first; no voice:
        by language, else the default)."""
        key = dialect_key(dialect)
        if key:
            table = {dialect_key(k.partition(":")[0]) + ":" * (":" in k) + k.partition(":")[2]: v
                     for k, v in self.options.dialect_voices.items()}
            found = (table.get(f"{key}:{voice}") if voice else None) or table.get(key)
            if found:
                return found
        if not voice:
            lang = language.lower().replace("_", "-")
            voice = self.options.voices.get(lang) or self.options.voices.get(lang.split("-")[0])
        voice = voice or self.options.default_voice
        return self.options.voice_map.get(voice, voice)

    # ---- the request -------------------------------------------------------------------------

    def synthesize(self, text: str, *, language: str, voice: str | None = None, pitch: float = 0.0,
                   rate: float = 1.0, reference: str | None = None, dialect: str | None = None,
                   instructions: str | None = None) -> Audio:

        if not -12.0 <= pitch <= 12.0 or not 0.25 <= rate <= 4.0:
            raise ValueError(f"pitch must be within ±12 semitones and rate within 0.25..4 (got {pitch}, {rate})")
        factor = 2.0 ** (pitch / 12.0)
        speed = min(max(rate / factor, 0.25), 4.0)  # OpenAI's range; the resampling below restores the pace
        name = self.voice_for(voice, language, dialect)
        fields: dict[str, Any] = {"model": self.options.model, "input": text, "voice": name,
                                  "response_format": self.options.response_format, "speed": round(speed, 4)}
        said = self.instructions_for(dialect, instructions)
        if said:
            fields["instructions"] = said
        fields.update(self.options.extra)
        kw: dict[str, Any] = {"json_body": fields}
        if reference and self.options.clone != "none":
            clip = self._reference(reference)
            if self.options.clone == "field":
                fields[self.options.clone_field] = base64.b64encode(clip).decode("ascii")
            else:
                text_fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
                ctype = mimetypes.guess_type(reference)[0] or "application/octet-stream"
                data, content_type = multipart(text_fields, {self.options.clone_field: (
                    Path(reference).name, clip, ctype)})
                kw = {"data": data, "content_type": content_type}
        elif reference:
            log.debug("speech:openai: clone = \"none\", reference %s not sent", reference)
        url = self.http.url("audio/speech")
        try:
            resp = self.http.request("POST", "audio/speech", not_found=f"check base_url (the API root, ending in "
                                     f"/v1) in {_WHERE}", **kw)
        except HttpError as exc:
            raise ProviderError(f"{url} refused the line (HTTP {exc.status}: {exc.detail}); check model "
                                f"({self.options.model!r}) and voice ({name!r}) in {_WHERE} (default_voice, voices, "
                                "voice_map) or the character's voice in bible.yaml") from None
        samples, sample_rate = self._decode(resp.body, url)
        if factor != 1.0 and len(samples):
            samples = resample(samples, sample_rate * factor, sample_rate)  # played faster: pitch up by `factor`
        if self.options.loudness_lufs is not None and len(samples):
            samples = match_loudness(samples, sample_rate, self.options.loudness_lufs)
        return Audio(np.clip(samples, -1.0, 1.0).astype(np.float32), sample_rate)

    @staticmethod
    def _reference(path: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise ProviderError(f"speech:openai: cannot read the reference voice clip {path}: {exc.strerror}"
                                ) from None

    def _decode(self, body: bytes, url: str) -> tuple[np.ndarray, int]:
        if body[:4] == b"RIFF" and body[8:12] == b"WAVE":
            with tempfile.TemporaryDirectory(prefix="reelwright-tts-") as tmp:
                path = Path(tmp) / "line.wav"
                path.write_bytes(_close_wav_sizes(body))
                try:
                    audio = read_wav(path)
                except InputError as exc:
                    raise ProviderError(f"{url} answered with a WAV file that cannot be read: {exc}") from None
            samples = audio.samples if audio.samples.ndim == 1 else audio.samples.mean(axis=1)
            return samples.astype(np.float32), audio.sample_rate
        if not body:
            raise ProviderError(f"{url} answered with no audio")
        if self.options.response_format == "pcm" and body.lstrip()[:1] not in (b"{", b"<"):
            usable = len(body) // 2 * 2
            return np.frombuffer(body[:usable], dtype="<i2").astype(np.float32) / 32768.0, self.options.pcm_rate
        what = "MP3" if body[:3] == b"ID3" or body[:2] in (b"\xff\xfb", b"\xff\xf3") else repr(body[:24])
        raise ProviderError(f"{url} answered with {what}, not {self.options.response_format}: the server ignores "
                            f"response_format; try response_format = \"pcm\" or \"wav\" in {_WHERE}")


def _close_wav_sizes(data: bytes) -> bytes:
    """A streamed WAV's header may say 0 or 0xFFFFFFFF for sizes it did not know yet: make them the real ones."""
    out = bytearray(data)
    pos = 12
    while pos + 8 <= len(out):
        cid, size = bytes(out[pos:pos + 4]), struct.unpack("<I", out[pos + 4:pos + 8])[0]
        if cid == b"data":
            rest = len(out) - pos - 8
            if size == 0 or size > rest:
                out[pos + 4:pos + 8] = struct.pack("<I", rest)
                out[4:8] = struct.pack("<I", len(out) - 8)
            break
        pos += 8 + size + (size & 1)
    return bytes(out)

"""Base classes every provider implements, built-in or third-party."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from reelwright.fsutil import atomic_write_text, file_sha256
from reelwright.media.audio import Audio

__all__ = ["Provider", "ProviderOptions", "SpeechProvider", "Audio", "ImageRequest", "ImageProvider",
           "ClipRequest", "VideoProvider", "GenerativeProvider", "Generated", "JobJournal", "Progress"]

# on_progress(done, total): how far a long remote job has come (steps, frames, …)
Progress = Callable[[int, int], None]


class ProviderOptions(BaseModel):
    """Typed options of a provider; unknown keys are rejected.

    ``TRANSPORT`` names the options that only change how the provider is reached (address, key, timeouts,
    retries), not what it makes: they stay out of cache keys (:meth:`cache_options`)."""

    model_config = ConfigDict(extra="forbid")
    TRANSPORT: ClassVar[frozenset[str]] = frozenset()

    def cache_options(self) -> dict[str, Any]:
        """The options that change the output, as JSON: everything but :attr:`TRANSPORT`."""
        return {k: v for k, v in self.model_dump(mode="json").items() if k not in self.TRANSPORT}


class Provider:
    """A provider: ``kind`` (text/image/speech) and ``name``; options validated by ``Options``."""

    kind: ClassVar[str] = ""
    name: ClassVar[str] = ""
    Options: ClassVar[type[ProviderOptions]] = ProviderOptions
    # the project folder: relative paths in the options (a ComfyUI workflow file) resolve against it;
    # the build sets it, and without it they resolve against the working directory
    project_root: Path | None = None

    def __init__(self, options: dict[str, Any] | ProviderOptions | None = None) -> None:
        if isinstance(options, ProviderOptions):
            self.options = options
        else:
            self.options = self.Options.model_validate(options or {})

    def identity(self) -> dict[str, Any]:
        """What goes into cache keys: provider, model/version and options that change the output."""
        return {"provider": f"{self.kind}:{self.name}", "options": self.options.cache_options()}


class SpeechProvider(Provider):
    kind: ClassVar[str] = "speech"

    @property
    def concurrency(self) -> int:
        """At most this many lines voiced at once (network providers raise it through their options)."""
        return int(getattr(self.options, "concurrency", 1) or 1)

    def synthesize(self, text: str, *, language: str, voice: str | None = None, pitch: float = 0.0,
                   rate: float = 1.0, reference: str | None = None, dialect: str | None = None,
                   instructions: str | None = None) -> Audio:
        """Speak ``text`` (plain, no markup). ``pitch`` in semitones, ``rate`` a speed multiplier;
        ``reference`` an audio file of the character's voice, for providers that clone (others ignore it);
        ``dialect`` (a key of :data:`reelwright.documents.bible.DIALECTS` or a free name) and ``instructions``
        (free-text delivery), for providers that can follow them. The voice stage passes the last three only
        when they are set, so providers written before them keep working."""
        raise NotImplementedError

    def speaks_dialect(self, dialect: str, language: str) -> bool:
        """Whether lines in ``dialect`` come out in that dialect (else the standard ``language`` speaks)."""
        return False


class ImageRequest(BaseModel):
    """One picture to generate. Everything that changes the picture is here; the cache key is a hash of
    :meth:`cache_inputs` and the provider's identity, so the same request is never paid for twice."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    purpose: Literal["reference", "shot"] = Field("shot", description="a character reference sheet image, or a "
                                                  "shot's still")
    prompt: str
    negative_prompt: str = ""
    width: int = Field(ge=64, le=8192)
    height: int = Field(ge=64, le=8192)
    seed: int = Field(ge=0, lt=2**32)
    references: tuple[str, ...] = Field((), description="image files the provider may condition on (the "
                                        "character's reference face); providers that cannot, ignore them")

    def cache_inputs(self) -> dict[str, Any]:
        """The request as hashed: reference files by content, not by path."""
        out = self.model_dump(mode="json", exclude={"references"})
        out["references"] = [file_sha256(r) for r in self.references]
        return out


class ClipRequest(BaseModel):
    """One moving clip made from a shot's still (image-to-video)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt: str
    negative_prompt: str = ""
    image: str = Field(description="the still to animate (a file)")
    seconds: float = Field(gt=0, le=60, description="clip length asked for; the renderer trims, loops or holds "
                           "it to the shot's duration")
    fps: int = Field(ge=1, le=120)
    width: int = Field(ge=64, le=8192)
    height: int = Field(ge=64, le=8192)
    seed: int = Field(ge=0, lt=2**32)

    def cache_inputs(self) -> dict[str, Any]:
        out = self.model_dump(mode="json", exclude={"image"})
        out["image"] = file_sha256(self.image)
        return out


@dataclass
class Generated:
    """What a generative provider returned: encoded bytes (PNG/JPEG/WebP for images, MP4/WebM/GIF for clips)."""

    data: bytes
    suffix: str = ".png"
    seconds: float = 0.0  # media length, for per-second prices (clips, speech)
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. the remote job id, the revised prompt


class JobJournal:
    """Remote jobs accepted by a server, by request key, kept on disk so that a re-run after a crash or a
    failure polls the accepted job instead of submitting it again. One JSON file per key under ``root``."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else None
        self._memory: dict[str, dict[str, Any]] = {}
        self._mutex = threading.Lock()

    def _path(self, key: str) -> Path | None:
        return self.root / f"{key}.json" if self.root is not None else None

    def get(self, key: str) -> dict[str, Any] | None:
        with self._mutex:
            path = self._path(key)
            if path is None:
                return self._memory.get(key)
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except (FileNotFoundError, json.JSONDecodeError):
                return None

    def put(self, key: str, record: dict[str, Any]) -> None:
        with self._mutex:
            path = self._path(key)
            if path is None:
                self._memory[key] = dict(record)
                return
            atomic_write_text(path, json.dumps(record, sort_keys=True))

    def drop(self, key: str) -> None:
        with self._mutex:
            path = self._path(key)
            if path is None:
                self._memory.pop(key, None)
            else:
                path.unlink(missing_ok=True)


class GenerativeProvider(Provider):
    """A provider that makes media from requests, possibly as remote jobs journalled in :attr:`journal`
    (the build points it at ``build/cache/jobs``)."""

    journal: JobJournal

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.journal = JobJournal()

    @property
    def concurrency(self) -> int:
        """At most this many requests in flight to this provider at once."""
        return int(getattr(self.options, "concurrency", 1) or 1)


class ImageProvider(GenerativeProvider):
    """A generative picture provider (the embedded ``image:comic`` draws in the render workers instead)."""

    kind: ClassVar[str] = "image"

    def generate(self, request: ImageRequest, *, key: str, on_progress: Progress | None = None) -> Generated:
        """Make the picture for ``request``. ``key`` is the request's cache key (journal jobs under it)."""
        raise NotImplementedError


class VideoProvider(GenerativeProvider):
    """Image-to-video: a shot's still becomes a moving clip."""

    kind: ClassVar[str] = "video"

    def animate(self, request: ClipRequest, *, key: str, on_progress: Progress | None = None) -> Generated:
        raise NotImplementedError

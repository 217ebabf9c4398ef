"""``image:openai``: pictures from any OpenAI-compatible images API (standard library only).

Endpoints: ``POST {base_url}/images/generations`` (JSON) and, for a request that carries reference images
(a character's face), ``POST {base_url}/images/edits`` (multipart, each reference uploaded as ``image[]``).
With ``edits = "auto"`` a server that answers the edits endpoint with 400/404/405 is taken not to support it:
that request and every later one in the run go to generations (the prompt alone), and a warning says so.

What is sent:

* ``model`` — default ``gpt-image-1``: of OpenAI's image models it is the one that takes several reference
  images on ``/images/edits`` (up to 16; dall-e-2 takes one square PNG, dall-e-3 none) and has a portrait size,
  which is what consistent characters in 9:16 shots need;
* ``size`` — the model's size closest in aspect ratio to the request (``1080x1920`` → ``1024x1536`` on
  gpt-image-1, ``1024x1792`` on dall-e-3), from ``sizes`` or a table per model; with ``any_size = true``
  (many self-hosted servers) the exact requested size. Either way the renderer crops and fits the picture to
  the shot, so a near size is fine;
* ``quality``, ``style``, ``response_format`` only when set (gpt-image models reject ``response_format`` and
  always answer base64; dall-e answers a URL unless asked for ``b64_json``), plus the ``extra`` fields as given;
* ``seed`` only with ``send_seed = true``: OpenAI refuses fields it does not know (HTTP 400), self-hosted
  servers use it; the negative prompt goes into ``negative_field`` where set, else is appended to the prompt.

Answers may hold ``b64_json`` (decoded), a ``url`` (downloaded with the same client; the API key is only sent to
base_url's own host) or a ``data:`` URL. The bytes must be PNG, JPEG, WebP or GIF.

Retries: these are synchronous calls, no job id to poll. 429 and 5xx answers and dropped connections mean the
server is not (or no longer) making the picture, so they are retried with backoff. A timeout is different: the
server is probably still drawing (and billing), so it is not sent again unless ``retry_timeouts = true``; the
error says so, and a re-run asks again for that picture only (finished ones are in the build cache).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import mimetypes
import threading
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field

from reelwright.errors import ProviderError
from reelwright.providers.base import Generated, ImageProvider, ImageRequest, Progress
from reelwright.providers.http import (
    HttpClient,
    HttpError,
    HttpOptions,
    NotFound,
    multipart,
)

__all__ = ["OpenAIImages", "pick_size", "image_suffix"]

log = logging.getLogger(__name__)

_WHERE = '[providers.options."image:openai"] in reelwright.toml'
# sizes each model accepts (the first match by prefix wins); anything else gets gpt-image's
MODEL_SIZES: dict[str, tuple[str, ...]] = {
    "dall-e-2": ("256x256", "512x512", "1024x1024"),
    "dall-e-3": ("1024x1024", "1792x1024", "1024x1792"),
    "gpt-image": ("1024x1024", "1536x1024", "1024x1536"),
}


class OpenAIImages(ImageProvider):
    name: ClassVar[str] = "openai"

    class Options(HttpOptions):
        TRANSPORT: ClassVar[frozenset[str]] = HttpOptions.TRANSPORT | {"response_format", "retry_timeouts"}
        base_url: str = Field("https://api.openai.com/v1", description="the API root, ending in /v1")
        api_key_env: str | None = Field("OPENAI_API_KEY", description="name of the environment variable holding "
                                        "the API key; empty for servers that need none")
        timeout: float = Field(300.0, gt=0, description="seconds to wait for one picture")
        model: str = Field("gpt-image-1", description="model name as the server knows it")
        quality: str | None = Field(None, description="sent as quality (gpt-image: low/medium/high; dall-e-3: "
                                    "standard/hd); not sent when unset")
        style: str | None = Field(None, description="sent as style (dall-e-3: vivid/natural); not sent when unset")
        extra: dict[str, Any] = Field(default_factory=dict, description="more body fields, sent as given "
                                      "(background, output_format, steps, cfg_scale, …)")
        response_format: Literal["b64_json", "url"] | None = Field(
            None, description="ask for b64_json or url; unset: not sent (gpt-image models refuse it)")
        edits: Literal["auto", "always", "never"] = Field(
            "auto", description="send requests with reference images to /images/edits: auto falls back to "
            "/images/generations for the rest of the run when the server answers 400/404/405")
        edits_field: str = Field("image[]", description="multipart field of each reference image (dall-e-2 and "
                                 "some servers take a single 'image')")
        sizes: list[str] | None = Field(None, description="sizes the model accepts, WIDTHxHEIGHT; default: by "
                                        "model (gpt-image: 1024x1024, 1536x1024, 1024x1536)")
        any_size: bool = Field(False, description="send the exact requested size (servers that take any size)")
        send_seed: bool = Field(False, description="send the request's seed (OpenAI refuses it; many "
                                "self-hosted servers use it)")
        seed_field: str = Field("seed", description="body field of the seed")
        negative_field: str | None = Field(None, description="body field for the negative prompt (e.g. "
                                           "negative_prompt); unset: appended to the prompt as 'Avoid: …'")
        retry_timeouts: bool = Field(False, description="send a picture request again after a timeout (the "
                                     "server may still be drawing the first one, and bill both)")

    options: Options

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.http = HttpClient(self.options, provider="image:openai", where=_WHERE)
        self._edits_ok = self.options.edits != "never"
        self._lock = threading.Lock()
        self.endpoints: list[str] = []  # which endpoint each picture came from (tests and the report read it)

    @property
    def requests(self) -> int:
        """HTTP requests made (retries and downloads included)."""
        return self.http.requests

    def identity(self) -> dict[str, Any]:
        ident = super().identity()
        opts = ident["options"]
        opts["sizes"] = None if self.options.any_size else list(self.allowed_sizes())
        return ident

    def allowed_sizes(self) -> tuple[str, ...]:
        if self.options.sizes:
            return tuple(self.options.sizes)
        model = self.options.model.lower()
        for prefix, sizes in MODEL_SIZES.items():
            if model.startswith(prefix):
                return sizes
        return MODEL_SIZES["gpt-image"]

    def size_for(self, width: int, height: int) -> str:
        if self.options.any_size:
            return f"{width}x{height}"
        return pick_size(width, height, self.allowed_sizes())

    # ---- the request -------------------------------------------------------------------------

    def _fields(self, request: ImageRequest) -> dict[str, Any]:
        prompt = request.prompt
        fields: dict[str, Any] = {"model": self.options.model, "prompt": prompt, "n": 1,
                                  "size": self.size_for(request.width, request.height)}
        if request.negative_prompt:
            if self.options.negative_field:
                fields[self.options.negative_field] = request.negative_prompt
            else:
                fields["prompt"] = f"{prompt}\nAvoid: {request.negative_prompt}"
        for name in ("quality", "style", "response_format"):
            value = getattr(self.options, name)
            if value is not None:
                fields[name] = value
        if self.options.send_seed:
            fields[self.options.seed_field] = request.seed
        fields.update(self.options.extra)
        return fields

    def generate(self, request: ImageRequest, *, key: str, on_progress: Progress | None = None) -> Generated:
        if on_progress:
            on_progress(0, 1)
        fields = self._fields(request)
        body = None
        endpoint = "generations"
        if request.references and self._edits_ok:
            body = self._edit(request, fields)
            if body is not None:
                endpoint = "edits"
        if body is None:
            body = self._post_json("images/generations", fields)
        data, meta = self._picture(body, endpoint)
        with self._lock:
            self.endpoints.append(endpoint)
        if on_progress:
            on_progress(1, 1)
        meta.update({"endpoint": endpoint, "size": fields["size"], "model": self.options.model})
        return Generated(data=data, suffix=image_suffix(data, self.http.url(f"images/{endpoint}")), meta=meta)

    def _edit(self, request: ImageRequest, fields: dict[str, Any]) -> Any | None:
        """The edits answer, or None when the server does not do edits (auto mode: remembered for the run)."""
        files = []
        for ref in request.references:
            path = Path(ref)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ProviderError(f"image:openai: cannot read reference image {path}: {exc.strerror}") from None
            files.append((path.name, data, mimetypes.guess_type(path.name)[0] or "application/octet-stream"))
        text = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
        body, ctype = multipart(text, {self.options.edits_field: files})  # type: ignore[dict-item]
        url = self.http.url("images/edits")
        try:
            return self._send("images/edits", data=body, content_type=ctype)
        except (HttpError, NotFound) as exc:
            if exc.status not in (400, 404, 405):
                raise
            if self.options.edits == "always":
                raise ProviderError(f"{url} refused the reference images (HTTP {exc.status}: {exc.detail}); set "
                                    f'edits = "auto" or "never" in {_WHERE} for a server without image edits'
                                    ) from None
            with self._lock:
                if self._edits_ok:
                    log.warning("%s answered HTTP %s (%s): no image edits on this server; pictures are drawn from "
                                "the prompt alone for the rest of this run (edits = \"never\" in %s silences this)",
                                url, exc.status, exc.detail, _WHERE)
                self._edits_ok = False
            return None

    def _post_json(self, path: str, fields: dict[str, Any]) -> Any:
        try:
            return self._send(path, json_body=fields)
        except HttpError as exc:
            raise ProviderError(f"{exc.url} refused the picture (HTTP {exc.status}: {exc.detail}); check model, "
                                f"size and quality in {_WHERE} and the shot's prompt") from None

    def _send(self, path: str, **kw: Any) -> Any:
        resp = self.http.request("POST", path, headers={"Accept": "application/json"},
                                 retry_timeouts=self.options.retry_timeouts,
                                 not_found=f"check base_url (the API root, ending in /v1) in {_WHERE}", **kw)
        return resp.json()

    def _picture(self, body: Any, endpoint: str) -> tuple[bytes, dict[str, Any]]:
        url = self.http.url(f"images/{endpoint}")
        try:
            item = body["data"][0]
        except (KeyError, IndexError, TypeError):
            raise ProviderError(f"{url} answered without data[0]: not an OpenAI-compatible images endpoint? "
                                f"(check base_url in {_WHERE})") from None
        meta: dict[str, Any] = {}
        if item.get("revised_prompt"):
            meta["revised_prompt"] = item["revised_prompt"]
        if item.get("b64_json"):
            return _b64(item["b64_json"], url), meta
        link = item.get("url")
        if not link:
            raise ProviderError(f"{url} answered with neither b64_json nor url in data[0]")
        if link.startswith("data:"):
            return _b64(link.split(",", 1)[-1], url), meta
        meta["url"] = link
        resp = self.http.request("GET", link, not_found="the picture expired before it was downloaded; build "
                                 "again (only missing pictures are asked for)")
        return resp.body, meta


def pick_size(width: int, height: int, sizes: tuple[str, ...] | list[str]) -> str:
    """The size in ``sizes`` closest in aspect ratio to ``width``×``height`` (ties: the smallest that covers the
    request, else the largest). ``auto`` entries are skipped."""
    parsed = []
    for s in sizes:
        try:
            w, h = (int(v) for v in s.lower().split("x"))
        except ValueError:
            continue
        parsed.append((w, h, s))
    if not parsed:
        raise ProviderError(f"image:openai: no WIDTHxHEIGHT size among {list(sizes)}; fix sizes in {_WHERE}")
    want = math.log(width / height)

    def rank(entry: tuple[int, int, str]) -> tuple[float, int, int]:
        w, h, _ = entry
        covers = w >= width and h >= height
        return (round(abs(math.log(w / h) - want), 6), 0 if covers else 1, w * h if covers else -w * h)

    return min(parsed, key=rank)[2]


def image_suffix(data: bytes, url: str) -> str:
    """The file suffix of encoded picture bytes, by their magic number."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif"
    raise ProviderError(f"{url} answered with something that is not a PNG, JPEG, WebP or GIF picture "
                        f"({data[:16]!r})")


def _b64(text: str, url: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ProviderError(f"{url} answered with b64_json that is not valid base64") from None


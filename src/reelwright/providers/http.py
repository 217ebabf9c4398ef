"""HTTP for network providers: one client with retries, backoff, bounded concurrency and errors that say
what to change (standard library only).

Every network provider (``text:openai``, ``image:openai``, ``speech:openai``, ``image:comfyui``, …) talks
through :class:`HttpClient`:

* 429, 408/409/425 and 5xx answers, timeouts and dropped connections are retried with exponential backoff
  (``retries``, ``backoff``, ``max_backoff``), honouring ``Retry-After``;
* a request that *submits a job* passes ``retry_timeouts=False``: a timeout may mean the server accepted it, so
  the caller must look the job up instead of sending it again;
* a refused connection, an unknown host, a missing key, 401/403 and 404 raise :class:`ProviderError` naming
  the URL and the setting to change (a 404 as :class:`NotFound`, so that a caller can tell a missing endpoint);
  other 4xx answers raise :class:`HttpError` (callers may handle them);
* the API key is sent only to base_url's scheme, host and port (not to a download URL on another host), and a
  redirect to another scheme, host or port is followed without it (nor ``extra_headers``);
* the key never appears in an error message, a log line or the ledger, even when a server echoes the request's
  headers in its error body (:mod:`reelwright.redact`);
* at most ``concurrency`` requests are in flight per client at once.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from email.message import Message
from typing import Any, Callable, ClassVar

from pydantic import Field

from reelwright import __version__
from reelwright.errors import ProviderError
from reelwright.providers.base import ProviderOptions
from reelwright.redact import redact, register_secret

__all__ = ["HttpOptions", "HttpClient", "HttpError", "NotFound", "Response", "RequestTimeout", "multipart"]

log = logging.getLogger(__name__)

_SECRET_HEADER = re.compile(r"auth|key|token|secret|cookie|password", re.I)
RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class HttpOptions(ProviderOptions):
    """The options base of every network provider (OpenAI-compatible text, images and speech; ComfyUI).

    Its fields are transport-only: they say how to reach the server, not what it makes, so none of them is in a
    cache key. That includes ``base_url``: what answers is named by the provider's own options (``model``, a
    workflow), so moving a server to another address or port does not pay for the same pictures, voices or
    answers again. A subclass adds its own transport-only fields to ``TRANSPORT``."""

    TRANSPORT: ClassVar[frozenset[str]] = frozenset({
        "base_url", "api_key_env", "timeout", "retries", "backoff", "max_backoff", "concurrency", "extra_headers"})

    base_url: str = Field(description="the API root (OpenAI-compatible: ending in /v1)")
    api_key_env: str | None = Field(None, description="name of the environment variable holding the API key; "
                                    "empty for servers that need none")
    timeout: float = Field(120.0, gt=0, description="seconds to wait for one answer")
    retries: int = Field(4, ge=0, le=20, description="retries on 429/5xx, timeouts and dropped connections")
    backoff: float = Field(1.0, ge=0, description="first retry delay in seconds, doubled each retry")
    max_backoff: float = Field(30.0, ge=0, description="longest delay between retries (also caps Retry-After)")
    concurrency: int = Field(2, ge=1, le=64, description="at most this many requests in flight at once")
    extra_headers: dict[str, str] = Field(default_factory=dict, description="sent with every request")


class HttpError(ProviderError):
    """A 4xx answer the client does not turn into advice itself (400, 409, 422, …)."""

    def __init__(self, url: str, status: int, detail: str) -> None:
        super().__init__(f"{url} rejected the request (HTTP {status}: {detail})")
        self.url = url
        self.status = status
        self.detail = detail
        self.body = b""  # the answer's body (up to 64 KiB), for callers that read structured errors

    def json(self) -> Any:
        """The answer's body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None


class NotFound(ProviderError):
    """HTTP 404: the endpoint (or the thing asked for) is not on this server. Not an :class:`HttpError`, so
    callers that handle rejected requests do not mistake it for one."""

    def __init__(self, url: str, detail: str, message: str) -> None:
        super().__init__(message)
        self.url = url
        self.status = 404
        self.detail = detail


class RequestTimeout(ProviderError):
    """No answer in time to a request that must not be sent twice (the server may have accepted it)."""


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes
    url: str

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ProviderError(f"{self.url} answered with a non-JSON body ({self.body[:80]!r}): is base_url the "
                                "API root?") from None

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body: ``fields`` as text parts, ``files`` as ``name → (filename, data, type)``
    (a name ending in ``[]`` may repeat: pass a list of tuples)."""
    boundary = f"reelwright-{uuid.uuid4().hex}"
    out = bytearray()
    for name, value in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").encode()
        out += str(value).encode("utf-8") + b"\r\n"
    for name, entry in files.items():
        for filename, data, ctype in (entry if isinstance(entry, list) else [entry]):
            out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                    f"Content-Type: {ctype}\r\n\r\n").encode()
            out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects, but strips the key and the extra headers from one that leaves base_url's origin."""

    def __init__(self, client: "HttpClient") -> None:
        self.client = client

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and not self.client.same_origin(newurl):
            for name in ("Authorization", "Proxy-Authorization", "Cookie", *self.client.options.extra_headers):
                new.remove_header(name.capitalize())
        return new


class HttpClient:
    """Requests to one service. ``provider`` (``image:openai``) and ``where`` (the settings table, e.g.
    ``[providers.options."image:openai"] in reelwright.toml``) go into every error message."""

    def __init__(self, options: HttpOptions, *, provider: str, where: str,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.options = options
        self.provider = provider
        self.where = where
        self.requests = 0  # HTTP requests sent (tests read it)
        self.sleep = sleep
        self._slots = threading.BoundedSemaphore(options.concurrency)
        self._count = threading.Lock()
        self._opener = urllib.request.build_opener(_Redirects(self))
        for name, value in options.extra_headers.items():  # a key sent in a header of the user's own
            if _SECRET_HEADER.search(name):
                register_secret(value)

    # ---- addresses and keys ------------------------------------------------------------------------

    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        if path.startswith(("http://", "https://")):
            url = path
        else:
            url = self.options.base_url.rstrip("/") + "/" + path.lstrip("/")
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        return url

    def api_key(self) -> str | None:
        env = self.options.api_key_env
        if not env:
            return None
        key = os.environ.get(env)
        register_secret(key)
        if not key:
            raise ProviderError(f"{self.provider} needs an API key for {self.options.base_url}: set the environment "
                                f"variable {env} (or set api_key_env = \"\" in {self.where} for a server that needs "
                                "no key)")
        return key

    def same_origin(self, url: str) -> bool:
        """Whether ``url`` is on base_url's scheme, host and port (only those get the API key)."""
        a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(self.options.base_url)
        return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())

    def ws_url(self, path: str, params: dict[str, Any] | None = None) -> str:
        """The websocket address of ``path`` on the same server (http → ws, https → wss)."""
        url = self.url(path, params)
        return "ws" + url[4:] if url.startswith("http") else url

    # ---- the request -------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, json_body: Any = None, data: bytes | None = None,
                content_type: str | None = None, params: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None, timeout: float | None = None, retry_timeouts: bool = True,
                not_found: str | None = None) -> Response:
        """Send one request (retried as the options say). ``not_found`` replaces the advice given on a 404.
        Errors never carry the key (redacted from their message, detail and body)."""
        try:
            return self._request(method, path, json_body=json_body, data=data, content_type=content_type,
                                 params=params, headers=headers, timeout=timeout, retry_timeouts=retry_timeouts,
                                 not_found=not_found)
        except ProviderError as exc:
            exc.args = tuple(redact(a) if isinstance(a, str) else a for a in exc.args)
            for attr in ("detail", "url"):
                if isinstance(getattr(exc, attr, None), str):
                    setattr(exc, attr, redact(getattr(exc, attr)))
            if isinstance(getattr(exc, "body", None), bytes):
                exc.body = redact(exc.body.decode("utf-8", "replace")).encode("utf-8")
            raise

    def _request(self, method: str, path: str, *, json_body: Any, data: bytes | None, content_type: str | None,
                 params: dict[str, Any] | None, headers: dict[str, str] | None, timeout: float | None,
                 retry_timeouts: bool, not_found: str | None) -> Response:
        url = self.url(path, params)
        # the key goes only to base_url's server, never to another host named in an answer (a download URL)
        key = self.api_key() if self.same_origin(url) else None
        hdrs = {"User-Agent": f"reelwright/{__version__}", "Accept": "*/*", **self.options.extra_headers,
                **(headers or {})}
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            content_type = "application/json"
        if content_type:
            hdrs["Content-Type"] = content_type
        if key:
            hdrs["Authorization"] = f"Bearer {key}"
        wait = self.options.timeout if timeout is None else timeout
        attempt = 0
        while True:
            req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
            with self._count:
                self.requests += 1
            retry_after: float | None = None
            try:
                with self._slots, self._opener.open(req, timeout=wait) as resp:
                    return Response(resp.status, resp.headers, resp.read(), url)
            except urllib.error.HTTPError as exc:
                status, detail = exc.code, error_detail(exc)
                if status in RETRY_STATUS and attempt < self.options.retries:
                    retry_after = _retry_after(exc.headers.get("Retry-After"))
                    reason = f"HTTP {status}"
                elif status in (401, 403) and not self.same_origin(url):
                    raise HttpError(url, status, detail) from None
                else:
                    err = self._http_error(url, status, detail, not_found, attempt)
                    if isinstance(err, HttpError):
                        err.body = getattr(exc, "_reelwright_body", b"")
                    raise err from None
            except urllib.error.URLError as exc:
                err = exc.reason
                if isinstance(err, ConnectionRefusedError):
                    raise ProviderError(f"cannot connect to {url}: connection refused. Start the server, or point "
                                        f"base_url in {self.where} at one that is running") from None
                if isinstance(err, socket.gaierror):
                    raise ProviderError(f"cannot resolve the host of {url} ({err.strerror}); check base_url in "
                                        f"{self.where}") from None
                if isinstance(err, (TimeoutError, socket.timeout)):
                    reason = self._timed_out(url, wait, attempt, retry_timeouts)
                elif not isinstance(err, (ConnectionError, OSError)):
                    raise ProviderError(f"cannot reach {url}: {err}; check base_url in {self.where}") from None
                else:
                    if attempt >= self.options.retries:
                        raise ProviderError(f"cannot reach {url}: {err} (after {attempt + 1} tries); check base_url "
                                            f"and timeout in {self.where}") from None
                    reason = str(err)
            except (TimeoutError, socket.timeout):
                reason = self._timed_out(url, wait, attempt, retry_timeouts)
            except (ConnectionError, http.client.HTTPException) as exc:
                if attempt >= self.options.retries:
                    raise ProviderError(f"{url} dropped the connection ({exc!r}) after {attempt + 1} tries") from None
                reason = type(exc).__name__
            delay = min(self.options.backoff * (2 ** attempt), self.options.max_backoff)
            if retry_after is not None:
                delay = min(max(retry_after, 0.0), self.options.max_backoff)
            log.info("%s: %s; retry %d/%d in %.2f s", redact(url), redact(reason), attempt + 1, self.options.retries,
                     delay)
            self.sleep(delay)
            attempt += 1

    def _timed_out(self, url: str, wait: float, attempt: int, retry: bool) -> str:
        if not retry:
            raise RequestTimeout(f"{url} did not answer within {wait:g} s; the server may still have accepted the "
                                 f"request (raise timeout in {self.where})")
        if attempt >= self.options.retries:
            raise ProviderError(f"{url} did not answer within {wait:g} s (after {attempt + 1} tries); raise timeout "
                                f"in {self.where} or use a faster model") from None
        return "timeout"

    def _http_error(self, url: str, status: int, detail: str, not_found: str | None, attempt: int) -> Exception:
        if status in (401, 403):
            env = self.options.api_key_env
            what = f"the API key in ${env}" if env else "the request: no key was sent (api_key_env is empty)"
            return ProviderError(f"{url} rejected {what} (HTTP {status}: {detail}); set a valid key in "
                                 f"{env or 'the environment'} or change api_key_env in {self.where}")
        if status == 404:
            return NotFound(url, detail, f"{url} not found (HTTP 404: {detail}); "
                            + (not_found or f"check base_url in {self.where}"))
        if status in RETRY_STATUS:
            return ProviderError(f"{url} failed (HTTP {status}: {detail}) after {attempt + 1} tries")
        if 400 <= status < 500:
            return HttpError(url, status, detail)
        return ProviderError(f"{url} failed (HTTP {status}: {detail})")


def error_detail(exc: urllib.error.HTTPError) -> str:
    """The server's own words from an error answer (OpenAI's ``error.message`` where present)."""
    try:
        body = exc.read()[:65536]
        exc._reelwright_body = body  # kept for HttpError.body
        raw = body[:4000].decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - the body is only for the message
        return exc.reason or ""
    try:
        err = json.loads(raw)
        err = err.get("error", err) if isinstance(err, dict) else err
        if isinstance(err, dict):
            return str(err.get("message") or err)[:300]
        if err:
            return str(err)[:300]
    except (json.JSONDecodeError, AttributeError):
        pass
    return " ".join(raw.split())[:300] or str(exc.reason or "")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)

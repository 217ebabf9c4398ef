"""``text:openai``: any OpenAI-compatible ``/v1/chat/completions`` endpoint (standard library only).

Works with hosted APIs, vLLM, Ollama, LM Studio and llama.cpp's server. Structured
output is asked for as ``response_format: json_schema``; a server that refuses
it (HTTP 400/422) is asked again in JSON mode (``json_object``), then with the
schema in the prompt only, and the mode that worked is kept for later calls.
Every answer is parsed here and validated against the schema by the caller.

Requests time out (``timeout``), and 429/5xx answers, timeouts and dropped
connections are retried with exponential backoff (``retries``, ``backoff``,
``max_backoff``), honouring ``Retry-After``. A refused connection, a missing
key, 401/403 and 404 raise :class:`ProviderError` naming the URL and the
setting to change.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import os
import socket
import time
import urllib.error
import urllib.request
from typing import Any, ClassVar, Literal

from pydantic import Field

from reelwright import __version__
from reelwright.errors import ProviderError
from reelwright.providers.base import ProviderOptions
from reelwright.providers.text import Completion, TextProvider, parse_json_answer

__all__ = ["OpenAIText"]

log = logging.getLogger(__name__)

_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
_WHERE = "[providers.options.openai] in reelwright.toml"
_MODES = ("json_schema", "json_object", "none")


class OpenAIText(TextProvider):
    name: ClassVar[str] = "openai"

    class Options(ProviderOptions):
        base_url: str = Field("https://api.openai.com/v1", description="the API root, ending in /v1")
        model: str = Field("gpt-4o-mini", description="model name as the server knows it")
        api_key_env: str | None = Field("OPENAI_API_KEY", description="name of the environment variable holding "
                                        "the API key; empty for servers that need none (Ollama, llama.cpp)")
        structured: Literal["auto", "json_schema", "json_object", "none"] = Field(
            "auto", description="how to ask for JSON; auto falls back json_schema → json_object → prompt only")
        strict: bool = Field(True, description="send json_schema with strict: true")
        temperature: float = Field(0.8, ge=0, le=2)
        max_tokens: int = Field(800, ge=16, le=32768)
        timeout: float = Field(120.0, gt=0, description="seconds to wait for one answer")
        retries: int = Field(4, ge=0, le=20, description="retries on 429/5xx, timeouts and dropped connections")
        backoff: float = Field(1.0, ge=0, description="first retry delay in seconds, doubled each retry")
        max_backoff: float = Field(30.0, ge=0, description="longest delay between retries (also caps Retry-After)")
        extra_headers: dict[str, str] = Field(default_factory=dict, description="sent with every request")

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self._mode = self.options.structured if self.options.structured != "auto" else "json_schema"
        self.requests = 0  # HTTP requests made (tests and the benchmark read it)
        self._sleep = time.sleep

    @property
    def url(self) -> str:
        return self.options.base_url.rstrip("/") + "/chat/completions"

    def identity(self) -> dict[str, Any]:
        ident = super().identity()
        opts = ident["options"]
        for key in ("timeout", "retries", "backoff", "max_backoff", "extra_headers", "api_key_env"):
            opts.pop(key, None)  # how we talk to the server does not change what it writes
        return ident

    # ---- the request -------------------------------------------------------------------------

    def _key(self) -> str | None:
        env = self.options.api_key_env
        if not env:
            return None
        key = os.environ.get(env)
        if not key:
            raise ProviderError(
                f"text:openai needs an API key for {self.options.base_url}: set the environment variable {env} "
                f"(or set api_key_env = \"\" in {_WHERE} for a server that needs no key)")
        return key

    def complete_json(self, messages, schema, *, name="answer", max_tokens=None, seed=None, temperature=None):
        key = self._key()
        while True:
            payload: dict[str, Any] = {
                "model": self.options.model,
                "messages": _with_schema_hint(messages, schema, self._mode),
                "temperature": self.options.temperature if temperature is None else temperature,
                "max_tokens": max_tokens or self.options.max_tokens,
            }
            if seed is not None:
                payload["seed"] = seed
            if self._mode == "json_schema":
                payload["response_format"] = {"type": "json_schema", "json_schema": {
                    "name": name, "schema": schema, "strict": self.options.strict}}
            elif self._mode == "json_object":
                payload["response_format"] = {"type": "json_object"}
            start = time.monotonic()
            try:
                body = self._post(payload, key)
            except _Refused as exc:
                if self.options.structured == "auto" and self._mode != "none":
                    nxt = _MODES[_MODES.index(self._mode) + 1]
                    log.info("%s refused response_format %s (HTTP %s); trying %s", self.url, self._mode,
                             exc.status, nxt)
                    self._mode = nxt
                    continue
                raise ProviderError(f"{self.url} rejected the request (HTTP {exc.status}): {exc.detail}; "
                                    f"check model and structured in {_WHERE}") from None
            return self._completion(body, time.monotonic() - start)

    def _completion(self, body: Any, seconds: float) -> Completion:
        try:
            choice = body["choices"][0]
            message = choice.get("message") or {}
            text = message.get("content")
            if text is None and message.get("tool_calls"):
                text = message["tool_calls"][0]["function"]["arguments"]
            finish = choice.get("finish_reason")
        except (KeyError, IndexError, TypeError, AttributeError):
            raise ProviderError(f"{self.url} answered without choices[0].message: not an OpenAI-compatible "
                                f"chat completions endpoint? (check base_url in {_WHERE})") from None
        usage = body.get("usage") or {}
        data = parse_json_answer(text or "", finish)
        return Completion(data=data, text=text or "", model=str(body.get("model") or self.options.model),
                          prompt_tokens=int(usage.get("prompt_tokens") or 0),
                          completion_tokens=int(usage.get("completion_tokens") or 0),
                          seconds=seconds, finish_reason=finish, extra={"mode": self._mode})

    def _post(self, payload: dict, key: str | None) -> Any:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "User-Agent": f"reelwright/{__version__}", **self.options.extra_headers}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        attempt = 0
        while True:
            request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
            self.requests += 1
            retry_after: float | None = None
            try:
                with urllib.request.urlopen(request, timeout=self.options.timeout) as resp:  # noqa: S310
                    raw = resp.read()
                try:
                    return json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    what = f"a non-JSON body ({raw[:80]!r})"
                    problem = ProviderError(f"{self.url} answered with {what}: is base_url ({_WHERE}) an "
                                            "OpenAI-compatible API root ending in /v1?")
                    if attempt >= self.options.retries:
                        raise problem from None
                    reason = "non-JSON body"
            except urllib.error.HTTPError as exc:
                status = exc.code
                detail = _error_detail(exc)
                if status in _RETRY_STATUS and attempt < self.options.retries:
                    retry_after = _retry_after(exc.headers.get("Retry-After"))
                    reason = f"HTTP {status}"
                else:
                    raise self._http_error(status, detail) from None
            except urllib.error.URLError as exc:
                err = exc.reason
                if isinstance(err, ConnectionRefusedError):
                    raise ProviderError(
                        f"cannot connect to {self.url}: connection refused. Start the server, or point base_url "
                        f"in {_WHERE} at one that is running") from None
                if isinstance(err, socket.gaierror):
                    raise ProviderError(f"cannot resolve the host of {self.url} ({err.strerror}); check base_url "
                                        f"in {_WHERE}") from None
                if not isinstance(err, (TimeoutError, socket.timeout, ConnectionError, OSError)):
                    raise ProviderError(f"cannot reach {self.url}: {err}; check base_url in {_WHERE}") from None
                if attempt >= self.options.retries:
                    raise ProviderError(f"cannot reach {self.url}: {err} (after {attempt + 1} tries); check "
                                        f"base_url and timeout in {_WHERE}") from None
                reason = str(err)
            except (TimeoutError, socket.timeout):
                if attempt >= self.options.retries:
                    raise ProviderError(
                        f"{self.url} did not answer within {self.options.timeout:g} s (after {attempt + 1} tries); "
                        f"raise timeout in {_WHERE} or use a faster model") from None
                reason = "timeout"
            except (ConnectionError, http.client.HTTPException) as exc:
                if attempt >= self.options.retries:
                    raise ProviderError(f"{self.url} dropped the connection ({exc!r}) after {attempt + 1} "
                                        f"tries") from None
                reason = type(exc).__name__
            delay = min(self.options.backoff * (2 ** attempt), self.options.max_backoff)
            if retry_after is not None:
                delay = min(max(retry_after, 0.0), self.options.max_backoff)
            log.info("%s: %s; retry %d/%d in %.2f s", self.url, reason, attempt + 1, self.options.retries, delay)
            self._sleep(delay)
            attempt += 1

    def _http_error(self, status: int, detail: str) -> Exception:
        if status in (401, 403):
            env = self.options.api_key_env
            what = (f"the API key in ${env}" if env else "the request: no key was sent (api_key_env is empty)")
            return ProviderError(f"{self.url} rejected {what} (HTTP {status}: {detail}); set a valid key in "
                                 f"{env or 'the environment'} or change api_key_env in {_WHERE}")
        if status == 404:
            return ProviderError(f"{self.url} not found (HTTP 404: {detail}); check base_url (the API root, "
                                 f"ending in /v1) and model ({self.options.model!r}) in {_WHERE}")
        if status in (400, 422):
            return _Refused(status, detail)
        return ProviderError(f"{self.url} failed (HTTP {status}: {detail})"
                             + (f" after {self.options.retries + 1} tries" if status in _RETRY_STATUS else ""))


class _Refused(ProviderError):
    """HTTP 400/422: the server did not accept the request as sent (often the response_format)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        raw = exc.read()[:4000].decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - the body is only for the message
        return exc.reason or ""
    try:
        err = json.loads(raw).get("error")
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


def _with_schema_hint(messages: list[dict[str, str]], schema: dict, mode: str) -> list[dict[str, str]]:
    """Without json_schema support the schema goes into the prompt (JSON mode also wants the word JSON)."""
    if mode == "json_schema":
        return list(messages)
    hint = ("Answer with one JSON object only, no prose, matching this JSON schema:\n"
            + json.dumps(schema, ensure_ascii=False, separators=(",", ":")))
    out = [dict(m) for m in messages]
    if out and out[0].get("role") == "system":
        out[0]["content"] = out[0]["content"] + "\n\n" + hint
    else:
        out.insert(0, {"role": "system", "content": hint})
    return out

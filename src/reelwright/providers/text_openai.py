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

import json
import logging
import time
from typing import Any, ClassVar, Literal

from pydantic import Field

from reelwright.errors import ProviderError
from reelwright.providers.http import HttpClient, HttpError, HttpOptions
from reelwright.providers.text import Completion, TextProvider, parse_json_answer

__all__ = ["OpenAIText"]

log = logging.getLogger(__name__)

_WHERE = "[providers.options.openai] in reelwright.toml"
_MODES = ("json_schema", "json_object", "none")


class OpenAIText(TextProvider):
    name: ClassVar[str] = "openai"

    class Options(HttpOptions):
        base_url: str = Field("https://api.openai.com/v1", description="the API root, ending in /v1")
        model: str = Field("gpt-4o-mini", description="model name as the server knows it")
        api_key_env: str | None = Field("OPENAI_API_KEY", description="name of the environment variable holding "
                                        "the API key; empty for servers that need none (Ollama, llama.cpp)")
        structured: Literal["auto", "json_schema", "json_object", "none"] = Field(
            "auto", description="how to ask for JSON; auto falls back json_schema → json_object → prompt only")
        strict: bool = Field(True, description="send json_schema with strict: true")
        temperature: float = Field(0.8, ge=0, le=2)
        max_tokens: int = Field(800, ge=16, le=32768)

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self._mode = self.options.structured if self.options.structured != "auto" else "json_schema"
        self.http = HttpClient(self.options, provider="text:openai", where=_WHERE)

    @property
    def requests(self) -> int:
        """HTTP requests made (tests and the benchmark read it)."""
        return self.http.requests

    @property
    def url(self) -> str:
        return self.options.base_url.rstrip("/") + "/chat/completions"

    # ---- the request -------------------------------------------------------------------------

    def complete_json(self, messages, schema, *, name="answer", max_tokens=None, seed=None, temperature=None):
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
                body = self._post(payload)
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

    def _post(self, payload: dict) -> Any:
        """POST to chat/completions; a body that is not JSON (a proxy's error page) is asked for again."""
        attempt = 0
        while True:
            try:
                resp = self.http.request("POST", "chat/completions", json_body=payload, headers={
                    "Accept": "application/json"}, not_found=f"check base_url (the API root, ending in /v1) and "
                    f"model ({self.options.model!r}) in {_WHERE}")
            except HttpError as exc:
                if exc.status in (400, 422):
                    raise _Refused(exc.status, exc.detail) from None
                raise
            try:
                return json.loads(resp.body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                if attempt >= self.options.retries:
                    raise ProviderError(f"{self.url} answered with a non-JSON body ({resp.body[:80]!r}): is base_url "
                                        f"({_WHERE}) an OpenAI-compatible API root ending in /v1?") from None
            self.http.sleep(min(self.options.backoff * (2 ** attempt), self.options.max_backoff))
            attempt += 1


class _Refused(ProviderError):
    """HTTP 400/422: the server did not accept the request as sent (often the response_format)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


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

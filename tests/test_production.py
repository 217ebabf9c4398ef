"""Production pictures: reference sheets, generated stills and clips, redo, dry run, budget and ledger.

The providers are in-process test doubles registered as ``image:fake``, ``video:fake`` and ``speech:fake``:
they count their calls, can be told to fail, and return real encoded media (PNGs whose colour follows the
seed and prompt, MP4 clips whose brightness follows the frame number, sine-tone speech).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import shutil
import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from reelwright.build.pipeline import build, plan_build
from reelwright.documents.base import load_document
from reelwright.documents.timeline import Timeline
from reelwright.errors import BudgetError, BuildError, InputError
from reelwright.project.cache import Cache, make_key
from reelwright.project.folder import Project
from reelwright.project.ledger import Ledger, read_ledger
from reelwright.project.settings import Settings
from reelwright.providers import registry
from reelwright.providers.base import (
    Audio,
    ClipRequest,
    Generated,
    ImageProvider,
    ImageRequest,
    ProviderOptions,
    SpeechProvider,
    VideoProvider,
)
from reelwright.stages.images import SIZE_PHRASES, derive_seed, redo_shot, refs_dir
from tests.helpers import write_tiny_project

SCRIPT = """Title: Test
Episode: 1

INT. KITCHEN - NIGHT

MAYA stares at the envelope. She does not open it.

MAYA
He said he would never come back to this house.

LEO
(coldly)
I lied to you, and I would do it again.

EXT. PARK - DAY

LEO waits by the bench.

LEO
She will come.
"""

PROD_TOML = """
[providers]
image = "fake"
speech = "fake"

[providers.prices."image:fake"]
per_call = 0.04

[providers.prices."speech:fake"]
per_second = 0.01

[images]
expressions = ["angry"]
reference_size = 64
"""


# ---- test doubles -----------------------------------------------------------------------------

class FakeOptions(ProviderOptions):
    concurrency: int = 1


class Calls:
    """What the fakes were asked, in order, across threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.images: list[ImageRequest] = []
        self.clips: list[ClipRequest] = []
        self.speech: list[str] = []
        self.fail_seeds: set[int] = set()
        self.in_flight = 0
        self.most_in_flight = 0


CALLS = Calls()


def colour_of(prompt: str, seed: int) -> tuple[int, int, int]:
    d = hashlib.sha256(f"{prompt}|{seed}".encode()).digest()
    return 40 + d[0] % 176, 40 + d[1] % 176, 40 + d[2] % 176


class FakeImages(ImageProvider):
    name = "fake"
    Options = FakeOptions

    def generate(self, request: ImageRequest, *, key: str, on_progress=None) -> Generated:
        with CALLS.lock:
            CALLS.images.append(request)
        if request.seed in CALLS.fail_seeds:
            raise RuntimeError(f"server said no to seed {request.seed}")
        img = Image.new("RGB", (request.width, request.height), colour_of(request.prompt, request.seed))
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        return Generated(buf.getvalue(), ".png", meta={"job": key[:8]})


class FakeVideo(VideoProvider):
    """A clip of ``seconds × clip_fps`` frames; frame k is grey level 20 + 8·k (so frames can be told apart)."""

    name = "fake"
    Options = FakeOptions
    clip_fps = 15

    def animate(self, request: ClipRequest, *, key: str, on_progress=None) -> Generated:
        with CALLS.lock:
            CALLS.clips.append(request)
        n = round(request.seconds * self.clip_fps)
        return Generated(grey_clip(n, 64, 112, self.clip_fps), ".mp4", seconds=n / self.clip_fps)


def grey_clip(n: int, width: int, height: int, fps: int) -> bytes:
    import tempfile

    from reelwright.media.video import EncoderSettings, SegmentWriter

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        with SegmentWriter(path, EncoderSettings(width, height, fps, 10, "superfast")) as w:
            for k in range(n):
                w.write(np.full((height, width, 3), 20 + 8 * k, np.uint8))
        return path.read_bytes()


class FakeSpeech(SpeechProvider):
    """0.04 s of tone per character; sleeps a little at random so parallel calls finish out of order."""

    name = "fake"
    Options = FakeOptions

    def synthesize(self, text, *, language, voice=None, pitch=0.0, rate=1.0, reference=None) -> Audio:
        with CALLS.lock:
            CALLS.speech.append(text)
            CALLS.in_flight += 1
            CALLS.most_in_flight = max(CALLS.most_in_flight, CALLS.in_flight)
        try:
            time.sleep(0.01 + (hash(text) % 5) * 0.01)
            n = int(0.04 * len(text) * 22050)
            t = np.arange(n) / 22050
            return Audio((0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 22050)
        finally:
            with CALLS.lock:
                CALLS.in_flight -= 1


@pytest.fixture(autouse=True)
def fakes():
    global CALLS
    CALLS = Calls()
    registry.register("image:fake", FakeImages)
    registry.register("video:fake", FakeVideo)
    registry.register("speech:fake", FakeSpeech)
    yield
    for spec in ("image:fake", "video:fake", "speech:fake"):
        registry.register(spec, None)


def make_project(root: Path, extra: str = "") -> Path:
    write_tiny_project(root, SCRIPT)
    with open(root / "reelwright.toml", "a", encoding="utf-8") as fh:
        fh.write(PROD_TOML + extra)
    return root


def frames_of(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


# ---- one production build, looked at from every side -------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    global CALLS
    CALLS = Calls()
    registry.register("image:fake", FakeImages)
    registry.register("speech:fake", FakeSpeech)
    root = make_project(tmp_path_factory.mktemp("prod") / "proj")
    report = build(Project.load(root), quiet=True)
    yield root, report, CALLS
    registry.register("image:fake", None)
    registry.register("speech:fake", None)


@pytest.mark.slow
def test_frames_show_the_generated_stills(built):
    root, report, calls = built
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    frames = frames_of(root / "build" / "ep001.mp4")
    assert len(frames) == timeline.frames
    shot_prompts = {r.seed: r.prompt for r in calls.images if r.purpose == "shot"}
    for ts in timeline.shots:
        assert ts.media is not None and ts.media.still.provider == "image:fake"
        want = colour_of(shot_prompts[ts.media.still.seed], ts.media.still.seed)
        mid = frames[ts.start + ts.frames // 2]
        patch = mid[150:230, 60:156].reshape(-1, 3).astype(int)  # middle of the frame: no subtitle, no caption
        assert np.abs(np.median(patch, axis=0) - want).max() <= 6, (ts.shot.id, np.median(patch, axis=0), want)
    assert report.work["image"] == len(calls.images)


@pytest.mark.slow
def test_reference_sheets_come_first_and_ride_along(built):
    root, _, calls = built
    purposes = [r.purpose for r in calls.images]
    refs = purposes.count("reference")
    assert refs == 2 * 3 and purposes[:refs] == ["reference"] * refs  # MAYA, LEO × front, angry, full
    for name in ("MAYA", "LEO"):
        for view in ("front", "angry", "full"):
            png = refs_dir(root, name) / f"{view}.png"
            assert png.is_file() and Image.open(png).size[0] == 64
    fronts = {name: (refs_dir(root, name) / "front.png").read_bytes() for name in ("MAYA", "LEO")}
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    by_seed = {r.seed: r for r in calls.images if r.purpose == "shot"}
    for ts in timeline.shots:
        req = by_seed[ts.media.still.seed]
        sent = [Path(f).read_bytes() for f in req.references]
        names = list(dict.fromkeys(ts.shot.subjects))
        if ts.shot.speaker in names:
            names.remove(ts.shot.speaker)
            names.insert(0, ts.shot.speaker)
        assert sent == [fronts[n] for n in names]
        # the prompt names this shot's own size (its phrase), not just any size
        assert SIZE_PHRASES[ts.shot.size] in req.prompt, (ts.shot.size, req.prompt)
        others = [p for s, p in SIZE_PHRASES.items() if s != ts.shot.size and p not in SIZE_PHRASES[ts.shot.size]]
        assert not any(p in req.prompt for p in others), (ts.shot.size, req.prompt)
        assert ("night" in req.prompt) == ts.shot.night


@pytest.mark.slow
def test_lock_and_ledger_record_every_picture(built):
    root, _, calls = built
    cache = Cache(root / "build" / "cache", root / "reelwright.lock")
    images = {k: e for k, e in cache.lock.artifacts.items() if e.stage == "image"}
    assert len(images) == len(calls.images)
    for name, entry in images.items():
        assert entry.provider == "image:fake" and isinstance(entry.seed, int)
        assert cache.output_path(entry.outputs[0]).is_file()  # lock paths are relative to the project
    ledger = read_ledger(root / "build" / "ledger.jsonl")
    pics = [r for r in ledger if r["provider"] == "image:fake"]
    assert len(pics) == len(calls.images) and all(r["status"] == "ok" and r["cost"] == 0.04 for r in pics)
    assert {r["key"] for r in pics} == {e.key for e in images.values()}
    assert any(r["what"] == "ref/MAYA/front" for r in pics) and any(r["what"].startswith("ep001/s") for r in pics)
    speech = [r for r in ledger if r["provider"] == "speech:fake"]
    assert len(speech) == 3 and [r["what"] for r in speech] == ["ep001/line000", "ep001/line001", "ep001/line002"]
    for r in speech:
        assert r["cost"] == pytest.approx(0.01 * r["seconds"], abs=1e-6) and r["seconds"] > 0.3


@pytest.mark.slow
def test_rebuild_makes_no_calls_and_seeds_reproduce(built, tmp_path):
    root, _, calls = built
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    before = len(read_ledger(copy / "build" / "ledger.jsonl"))
    report = build(Project.load(copy), quiet=True)
    assert report.nothing_done and CALLS.images == [] and CALLS.speech == []
    assert len(read_ledger(copy / "build" / "ledger.jsonl")) == before
    # without the cache, the lock's seeds make the very same requests again
    old = load_document(copy / "build" / "ep001.timeline.json", Timeline)
    shutil.rmtree(copy / "build")
    build(Project.load(copy), quiet=True)
    new = load_document(copy / "build" / "ep001.timeline.json", Timeline)
    assert [ts.media.still.seed for ts in new.shots] == [ts.media.still.seed for ts in old.shots]
    assert [ts.media.still.sha256 for ts in new.shots] == [ts.media.still.sha256 for ts in old.shots]
    assert sorted(r.seed for r in CALLS.images) == sorted(r.seed for r in calls.images)


@pytest.mark.slow
def test_redo_regenerates_exactly_one_picture(built, tmp_path):
    root, _, _ = built
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    old = load_document(copy / "build" / "ep001.timeline.json", Timeline)
    n = 3
    project = Project.load(copy)
    shot, seed = redo_shot(project, 1, str(n), Cache(project.cache_dir, project.lock_path))
    assert shot.id == old.shots[n - 1].shot.id
    ledger_before = len(read_ledger(copy / "build" / "ledger.jsonl"))
    report = build(Project.load(copy), quiet=True)
    assert [r.seed for r in CALLS.images] == [seed] and CALLS.speech == []
    dissolves = n < len(old.shots) and old.shots[n].fade_in > 0
    assert report.work["render"] == 1 + dissolves and report.work["image"] == 1
    new_rows = read_ledger(copy / "build" / "ledger.jsonl")[ledger_before:]
    assert [r["what"] for r in new_rows] == [f"ep001/{shot.id}"]
    new = load_document(copy / "build" / "ep001.timeline.json", Timeline)
    changed = [i for i, (a, b) in enumerate(zip(old.shots, new.shots)) if a.media.still.sha256 != b.media.still.sha256]
    assert changed == [n - 1]
    lock = Cache(copy / "build" / "cache", copy / "reelwright.lock").lock
    assert lock.artifacts[f"ep001/image/{shot.id}"].seed == seed
    # the new seed sticks: a rebuild makes nothing
    assert build(Project.load(copy), quiet=True).nothing_done


def test_redo_by_id_and_on_the_comic_renderer(tmp_path):
    root = write_tiny_project(tmp_path / "comic", SCRIPT)
    project = Project.load(root)
    with pytest.raises(InputError, match="nothing to redo"):
        redo_shot(project, 1, "2", Cache(project.cache_dir, project.lock_path))
    root = make_project(tmp_path / "gen")
    project = Project.load(root)
    cache = Cache(project.cache_dir, project.lock_path)
    with pytest.raises(InputError, match="no shot 'zz'"):
        redo_shot(project, 1, "zz", cache)
    from reelwright.stages.board import derive_board

    board, _ = derive_board(project, 1, cache)
    shot, seed = redo_shot(project, 1, board.shots[1].id, cache, seed=1234)
    assert (shot.id, seed) == (board.shots[1].id, 1234)
    assert not (root / "build" / "ep001.mp4").exists() and CALLS.images == []
    from reelwright.cli import main

    assert main(["redo", str(root), "ep1", "shot", board.shots[2].id, "--seed", "77", "--no-build"]) == 0
    lock = Cache(root / "build" / "cache", root / "reelwright.lock").lock
    assert lock.artifacts[f"ep001/image/{board.shots[2].id}"].seed == 77
    assert main(["redo", str(tmp_path / "comic"), "ep1", "shot", "2"]) == 2


# ---- dry run, budget, ledger -----------------------------------------------------------------------

def _listing(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_dry_run_counts_what_the_build_then_calls(tmp_path, capsys):
    from reelwright.cli import main

    root = make_project(tmp_path / "proj", '\n[providers.options."image:fake"]\nconcurrency = 3\n')
    before = _listing(root)
    assert main(["build", str(root), "--dry-run", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert _listing(root) == before and CALLS.images == [] and CALLS.speech == []
    report = build(Project.load(root), quiet=True)
    rows = plan["providers"]
    assert rows["image:fake"]["calls"] == len(CALLS.images) == report.work["image"]
    assert rows["speech:fake"]["calls"] == len(CALLS.speech) == 3
    assert rows["image:fake"]["cost"] == pytest.approx(0.04 * len(CALLS.images))
    ledger = read_ledger(root / "build" / "ledger.jsonl")
    assert sum(r["cost"] for r in ledger if r["provider"] == "image:fake") == pytest.approx(
        rows["image:fake"]["cost"])
    from reelwright.stages.voice import estimate_line_seconds

    assert rows["speech:fake"]["seconds"] == pytest.approx(sum(estimate_line_seconds(t) for t in CALLS.speech),
                                                            abs=0.01)  # estimated from the text
    spoken = sum(r["seconds"] for r in ledger if r["provider"] == "speech:fake")
    assert sum(r["cost"] for r in ledger if r["provider"] == "speech:fake") == pytest.approx(0.01 * spoken)
    # afterwards everything is cached
    again = plan_build(Project.load(root))
    assert again.total_calls == 0 and again.rows["image:fake"].cached == len(CALLS.images)
    assert main(["build", str(root), "--dry-run"]) == 0
    table = capsys.readouterr().out
    assert "image:fake" in table and "total" in table and "0.00 USD" in table


def test_budget_stops_before_any_call(tmp_path, capsys):
    from reelwright.cli import main

    root = make_project(tmp_path / "proj")
    text = (root / "reelwright.toml").read_text().replace('speech = "fake"\n', 'speech = "fake"\nbudget = 0.1\n')
    (root / "reelwright.toml").write_text(text)
    with pytest.raises(BudgetError, match=r"budget of 0\.10 USD") as err:
        build(Project.load(root), quiet=True)
    assert "[providers] budget" in str(err.value) and "image:fake" in str(err.value)
    assert CALLS.images == [] and CALLS.speech == [] and not (root / "build" / "ledger.jsonl").exists()
    assert main(["build", str(root), "--quiet"]) == 3
    assert "budget" in capsys.readouterr().err


def test_a_call_that_would_cross_the_budget_is_not_made():
    settings = Settings.model_validate({"providers": {"budget": 0.1, "prices": {"image:x": {"per_call": 0.04}}}})
    ledger = Ledger(None, settings)
    made = 0
    with pytest.raises(BudgetError, match="was not made"):
        for _ in range(5):
            with ledger.call("image:x", "ep001/s01", "k") as call:
                made += 1
                call.done(0)
    assert made == 2 and ledger.spent == pytest.approx(0.08)


@pytest.mark.slow
def test_one_failure_keeps_the_rest_and_the_rerun_redoes_only_it(tmp_path):
    root = make_project(tmp_path / "proj", '\n[providers.options."image:fake"]\nconcurrency = 2\n')
    project = Project.load(root)
    from reelwright.stages.board import derive_board

    project.sync_bible()
    board, _ = derive_board(project, 1, Cache(project.cache_dir))
    victim = board.shots[2].id
    CALLS.fail_seeds = {derive_seed(0, "ep001", victim)}
    with pytest.raises(BuildError, match=f"ep001/{victim}.*server said no") as err:
        build(Project.load(root), quiet=True)
    assert "1 picture" in str(err.value)
    first = len(CALLS.images)
    ledger = read_ledger(root / "build" / "ledger.jsonl")
    assert [r["what"] for r in ledger if r["status"] == "failed"] == [f"ep001/{victim}"]
    CALLS.fail_seeds = set()
    report = build(Project.load(root), quiet=True)
    assert [r.seed for r in CALLS.images[first:]] == [derive_seed(0, "ep001", victim)]
    assert report.work["image"] == 1 and report.work.get("voice", 0) == 0


# ---- clips ------------------------------------------------------------------------------------

def test_clips_trim_loop_and_hold(tmp_path):
    from reelwright.media.frames import ClipReader

    path = tmp_path / "c.mp4"
    path.write_bytes(grey_clip(10, 64, 112, 15))

    def levels(fit: str, n: int, fps: int = 15) -> list[int]:
        r = ClipReader(str(path), 32, 56, fps, fit)
        out = [int(round((float(r.frame(i).mean()) - 20) / 8)) for i in range(n)]
        r.close()
        return out

    assert levels("hold", 6) == [0, 1, 2, 3, 4, 5]  # trimmed
    assert levels("loop", 25) == [i % 10 for i in range(25)]
    assert levels("hold", 14) == list(range(10)) + [9] * 4
    assert levels("hold", 6, fps=30) == [0, 0, 1, 1, 2, 2]  # a 15 fps clip in a 30 fps shot


def test_render_plays_a_clip_to_the_shot_length(tmp_path):
    from reelwright.render.shots import render_shot

    clip = tmp_path / "c.mp4"
    clip.write_bytes(grey_clip(8, 64, 112, 15))
    still = tmp_path / "s.png"
    Image.new("RGB", (50, 50), (200, 10, 10)).save(still)
    enc = {"width": 96, "height": 160, "fps": 15, "crf": 10, "preset": "superfast"}
    shot = {"id": "s01-d01", "size": "MCU", "caption": None}

    def spec(frames: int, fit: str, **more) -> dict:
        return {"id": "s01-d01", "encoder": enc, "frames": frames, "move": "push_in", "seed": 1,
                "still": {"file": str(still), "sha256": "x", "shot": shot}, "mouth": [2, 3], "cues": [],
                "language": "en", "fade_in": 0, "prev": None,
                "clip": {"file": str(clip), "sha256": "y", "fit": fit}, **more}

    for frames, fit, want in [(5, "hold", [0, 1, 2, 3, 4]), (12, "loop", [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3]),
                              (11, "hold", [0, 1, 2, 3, 4, 5, 6, 7, 7, 7, 7])]:
        out = tmp_path / f"{fit}{frames}.mp4"
        render_shot(spec(frames, fit), out)
        got = [int(round((float(f.mean()) - 20) / 8)) for f in frames_of(out)]
        assert got == want, (fit, frames, got)
    # a still shot dissolving from a clip: the first frames blend the clip's tail into the red still
    prev = {"still": {"file": str(still), "sha256": "x", "shot": shot}, "frames": 4, "move": "static", "seed": 2,
            "clip": {"file": str(clip), "sha256": "y", "fit": "hold"}}
    s = spec(6, "hold", fade_in=3, prev=prev)
    del s["clip"]
    out = tmp_path / "dissolve.mp4"
    render_shot(s, out)
    reds = [float(f[..., 0].mean() - f[..., 1].mean()) for f in frames_of(out)]
    assert reds[0] < reds[1] < reds[2] < reds[3] and reds[3] > 150


@pytest.mark.slow
def test_build_with_clips(tmp_path):
    root = make_project(tmp_path / "proj")
    text = (root / "reelwright.toml").read_text()
    text = text.replace('speech = "fake"\n', 'speech = "fake"\nvideo = "fake"\n')
    text = text.replace("reference_size = 64\n", 'reference_size = 64\nclip_seconds = 2\nclip_fit = "loop"\n')
    (root / "reelwright.toml").write_text(text)
    plan = plan_build(Project.load(root))
    build(Project.load(root), quiet=True)
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    assert len(CALLS.clips) == len(timeline.shots) == plan.rows["video:fake"].calls
    by_seed = {c.seed: c for c in CALLS.clips}
    for ts in timeline.shots:
        assert ts.media.clip is not None and ts.media.clip.provider == "video:fake"
        req = by_seed[ts.media.clip.seed]
        assert req.seconds == min(math.ceil(ts.frames / 15), 2) and Path(req.image).read_bytes() == Path(
            ts.media.still.file).read_bytes()
    frames = frames_of(root / "build" / "ep001.mp4")
    assert len(frames) == timeline.frames
    long = next(ts for ts in timeline.shots if ts.frames > 30 + 3 and not ts.fade_in)
    n = round(min(math.ceil(long.frames / 15), 2) * 15)
    got = [int(round((float(frames[long.start + i][150:230, 20:196].mean()) - 20) / 8)) for i in range(long.frames)]
    assert got == [i % n for i in range(long.frames)]  # looped, not a camera move over a still


# ---- speech ----------------------------------------------------------------------------------

def test_parallel_speech_keeps_line_order(tmp_path):
    from reelwright.stages.voice import voice_episode

    root = make_project(tmp_path / "proj", '\n[providers.options."speech:fake"]\nconcurrency = 3\n')
    project = Project.load(root)
    project.sync_bible()
    cache = Cache(project.cache_dir)
    episode = project.episodes[1].episode
    lines = voice_episode(episode, project.bible, project.settings, cache, language="en")
    assert CALLS.most_in_flight > 1
    want = [d for d in episode.dialogue()]
    assert [ln.index for ln in lines] == list(range(len(want)))
    for ln in lines:
        assert ln.samples == round(int(0.04 * len(ln.text) * 22050) * 48000 / 22050) or abs(
            ln.samples - 0.04 * len(ln.text) * 48000) < 50


def test_voice_reference_is_passed_and_keyed(tmp_path):
    from reelwright.stages.voice import line_request

    root = make_project(tmp_path / "proj")
    project = Project.load(root)
    project.sync_bible()
    voice = project.bible.character("MAYA").voice
    _, plain_request = line_request("Hi.", voice, project.settings, "en", root)
    assert "reference" not in plain_request
    (root / "maya.wav").write_bytes(b"RIFF....WAVEfmt ")
    with_ref = voice.model_copy(update={"reference": "maya.wav"})
    _, request = line_request("Hi.", with_ref, project.settings, "en", root)
    assert request["reference"] == hashlib.sha256(b"RIFF....WAVEfmt ").hexdigest()
    with pytest.raises(InputError, match="not found"):
        line_request("Hi.", voice.model_copy(update={"reference": "nope.wav"}), project.settings, "en", root)


# ---- settings and compatibility -----------------------------------------------------------------

def test_provider_options_lookup():
    s = Settings.model_validate({"providers": {"options": {"openai": {"model": "a"},
                                                           "image:openai": {"model": "b"}}}})
    assert s.provider_options("image", "openai") == {"model": "b"}
    assert s.provider_options("text", "openai") == {"model": "a"}
    assert s.provider_options("speech", "piper") == {}
    assert s.price("image:openai").per_call == 0


def test_comic_segment_keys_are_unchanged():
    from reelwright.render.shots import segment_key

    spec = {"id": "s01", "still": {"shot": {"id": "s01"}, "looks": {}, "image": {"provider": "image:comic"}},
            "prev": None, "cues": [{"start": 0, "end": 3, "text": "hi"}]}
    assert segment_key(spec) == make_key("shot", spec)
    gen = {"id": "s01", "still": {"file": "/a/x.png", "sha256": "abc", "shot": {}}}
    moved = {"id": "s01", "still": {"file": "/b/x.png", "sha256": "abc", "shot": {}}}
    assert segment_key(gen) == segment_key(moved) != segment_key({**gen, "still": {**gen["still"], "sha256": "d"}})


def test_the_documented_settings_are_valid():
    import re
    import tomllib

    text = (Path(__file__).resolve().parents[1] / "docs" / "production.md").read_text(encoding="utf-8")
    section = text.split("\n## Generated pictures, clips and what they cost\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```toml\n(.*?)```", section, re.S)
    assert len(blocks) == 1
    settings = Settings.model_validate(tomllib.loads(blocks[0]))
    assert settings.providers.budget == 20.0 and settings.price("image:openai").per_call == 0.04
    from reelwright.stages.images import still_size

    assert still_size(Settings()) == (1280, 2272)


def test_shot_prompts_place_people_apart_and_name_them_in_plain_case():
    from reelwright.documents.bible import Bible, Character, Look
    from reelwright.documents.storyboard import Shot
    from reelwright.stages.images import shot_prompt

    bible = Bible(characters=[Character(name=n, look=Look(seed=n, description=d), gender=g, age=30)
                              for n, d, g in (("MAYA", "black bob, red coat", "female"),
                                              ("LEO", "tall, grey suit", "male"))])
    settings = Settings()
    # the board says both stand left (a side kept from an earlier shot): the prompt follows the subjects' order
    both_left = Shot(id="s01-d01", scene=1, size="2S", subjects=["MAYA", "LEO"], sides={"MAYA": "left", "LEO": "left"})
    text = shot_prompt(both_left, bible, settings)
    assert "Maya, a 30-year-old woman, black bob, red coat, a neutral expression, on the left" in text
    assert "Leo, a 30-year-old man, tall, grey suit, a neutral expression, on the right" in text
    assert "MAYA" not in text and "two-shot" in text
    swapped = both_left.model_copy(update={"sides": {"MAYA": "right", "LEO": "left"}})
    assert "red coat, a neutral expression, on the right" in shot_prompt(swapped, bible, settings)
    single = Shot(id="s01-d02", scene=1, size="CU", subjects=["MAYA"], sides={"MAYA": "left"},
                  expressions={"MAYA": "angry"})
    assert "on the" not in shot_prompt(single, bible, settings)

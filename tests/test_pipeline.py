"""End to end: a small project built to MP4, probed, looked at by pixels, rebuilt incrementally."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest

from reelwright.build.pipeline import build
from reelwright.check.report import check_project
from reelwright.documents.base import load_document
from reelwright.documents.timeline import Timeline
from reelwright.media.audio import loudness, pitch_hz, read_wav, true_peak_dbtp
from reelwright.media.video import decode_audio
from reelwright.project.cache import Cache
from reelwright.project.folder import Project

SCRIPT = """Title: Test
Episode: 1

INT. KITCHEN - NIGHT

MAYA stares at the envelope. She does not open it.

MAYA
He said he would never come back to this house.

LEO
(coldly)
I lied to you, and I would do it again.

MAYA
Then get out of my kitchen before I call the police.

EXT. PARK - DAY

LEO waits by the bench. He checks his phone.

LEO
She will come. She always does.
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from tests.helpers import write_tiny_project

    root = write_tiny_project(tmp_path_factory.mktemp("e2e") / "proj", SCRIPT)
    project = Project.load(root)
    report = build(project, quiet=True)
    return root, report


def _frames(path: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    out = {}
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i in wanted:
                out[i] = f.to_ndarray(format="rgb24")
    return out


@pytest.mark.slow
def test_outputs_probe_right(built):
    root, report = built
    assert report.work["voice"] == 4 and report.work["assemble"] == 1
    video = root / "build" / "ep001.mp4"
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    with av.open(str(video)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        assert (v.codec_context.name, v.codec_context.profile, v.codec_context.format.name) == ("h264", "High",
                                                                                               "yuv420p")
        assert (v.codec_context.width, v.codec_context.height, float(v.average_rate)) == (216, 384, 15.0)
        assert (a.codec_context.name, a.codec_context.sample_rate, a.codec_context.layout.nb_channels) == (
            "aac", 48000, 2)
        decoded = sum(1 for _ in c.decode(video=0))
    assert decoded == timeline.frames
    assert abs(float(v.duration * v.time_base) - timeline.frames / timeline.fps) <= 1 / timeline.fps
    samples, rate = decode_audio(video)
    assert abs(loudness(samples, rate) - (-14.0)) <= 1.0
    assert true_peak_dbtp(samples, rate) <= -1.0 + 0.1
    results = check_project(Project.load(root))
    assert results[0].ok, results


@pytest.mark.slow
def test_srt_matches_timeline(built):
    import pysubs2

    root, _ = built
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    subs = pysubs2.load(str(root / "build" / "ep001.srt"))
    assert len(subs) == len(timeline.cues) > 0
    for ev, cue in zip(subs, timeline.cues):
        assert abs(ev.start - cue.start * 1000 / timeline.fps) <= 1
        assert abs(ev.end - cue.end * 1000 / timeline.fps) <= 1
        assert ev.plaintext.replace("\n", " ") == cue.text.replace("\n", " ")
        for line in cue.text.split("\n"):
            assert len(line) <= 29
    # each cue starts with its line's audio
    for clip in timeline.audio:
        first = next(c for c in timeline.cues if c.line == clip.line)
        assert abs(first.start - clip.start * timeline.fps / timeline.sample_rate) <= 1


def _skin_share(img: np.ndarray, hex_colour: str) -> float:
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (0, 2, 4)])
    top = img[: int(img.shape[0] * 0.78)].astype(int)
    return float((np.abs(top - rgb).sum(axis=2) < 30).mean())


@pytest.mark.slow
def test_close_up_shows_the_speakers_face(built):
    root, _ = built
    project = Project.load(root)
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    skins = {c.name: c.look.options["skinColor"] for c in project.bible.characters}
    assert skins["MAYA"] != skins["LEO"], "test needs two different skin tones"
    closeups = [s for s in timeline.shots if s.shot.size in ("CU", "MCU") and s.shot.speaker]
    mids = {s.start + s.frames // 2: s.shot.speaker for s in closeups}
    frames = _frames(root / "build" / "ep001.mp4", set(mids))
    for i, speaker in mids.items():
        other = "LEO" if speaker == "MAYA" else "MAYA"
        mine, theirs = _skin_share(frames[i], skins[speaker]), _skin_share(frames[i], skins[other])
        assert mine > 0.08 and mine > 4 * theirs, (i, speaker, mine, theirs)


@pytest.mark.slow
def test_locations_look_different_and_voices_sound_different(built):
    root, _ = built
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    wides = [s for s in timeline.shots if s.shot.reason == "establishing"]
    assert [w.shot.location for w in wides] == ["KITCHEN", "PARK"]
    frames = _frames(root / "build" / "ep001.mp4", {w.start + w.frames - 2 for w in wides})
    a, b = (frames[w.start + w.frames - 2].astype(int) for w in wides)
    assert np.abs(a - b).mean() > 25
    cache = Cache(root / "build" / "cache")
    by_char: dict[str, list[float]] = {}
    for clip in timeline.audio:
        audio = read_wav(cache.path("voice", clip.key, ".wav"))
        by_char.setdefault(clip.character, []).append(pitch_hz(audio.samples, audio.sample_rate))
    maya, leo = np.median(by_char["MAYA"]), np.median(by_char["LEO"])
    assert abs(maya - leo) / min(maya, leo) > 0.10, (maya, leo)


@pytest.mark.slow
def test_second_build_does_nothing_and_one_line_edit_is_local(built):
    root, _ = built
    again = build(Project.load(root), quiet=True)
    assert again.nothing_done, again.work
    script = root / "scripts" / "ep001.fountain"
    script.write_text(SCRIPT.replace("I lied to you, and I would do it again.", "I lied. I would lie again."),
                      encoding="utf-8")
    timeline_before = load_document(root / "build" / "ep001.timeline.json", Timeline)
    edit = build(Project.load(root), quiet=True)
    timeline_after = load_document(root / "build" / "ep001.timeline.json", Timeline)
    assert edit.work["voice"] == 1
    # the line's own shot re-renders; so may the reaction shot after it (subtitle carry-over); nothing else
    assert 1 <= edit.work["render"] <= 2, edit.work
    assert len(timeline_after.shots) == len(timeline_before.shots)
    assert edit.work["assemble"] == 1


@pytest.mark.slow
def test_user_board_edit_is_respected(built):
    root, _ = built
    board = root / "boards" / "ep001.yaml"
    text = board.read_text(encoding="utf-8")
    data = __import__("yaml").safe_load(text)
    data["shots"][2]["size"] = "ECU"
    data["shots"][2]["frames"] = 40
    board.write_text(__import__("yaml").safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = build(Project.load(root), quiet=True)
    assert report.work.get("render", 0) >= 1
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    shot = timeline.shots[2]
    assert shot.shot.size == "ECU" and shot.frames == 40
    # and the edit survives another build
    build(Project.load(root), quiet=True)
    assert load_document(board, type(load_document(board, __import__("reelwright").documents.Storyboard))).shots[
        2].size == "ECU"


@pytest.mark.slow
def test_killed_build_resumes_without_redoing_finished_work(tmp_path):
    from tests.helpers import write_tiny_project

    root = write_tiny_project(tmp_path / "proj", SCRIPT)
    proc = subprocess.Popen([sys.executable, "-m", "reelwright", "build", str(root), "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shots = root / "build" / "cache" / "shot"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if shots.exists() and len(list(shots.rglob("*.mp4"))) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "build finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list(shots.rglob("*.mp4")))
    report = build(Project.load(root), quiet=True)
    total = len(load_document(root / "build" / "ep001.timeline.json", Timeline).shots)
    assert report.work.get("voice", 0) == 0  # every line was voiced before the kill
    assert report.work["render"] == total - done_before
    assert not list((root / "build").rglob("*.tmp"))
    with av.open(str(root / "build" / "ep001.mp4")) as c:
        assert sum(1 for _ in c.decode(video=0)) > 0


@pytest.mark.slow
def test_lock_records_what_made_each_artifact(built):
    root, _ = built
    lock = (root / "reelwright.lock").read_text(encoding="utf-8")
    data = __import__("yaml").safe_load(lock)
    arts = data["artifacts"]
    assert arts["ep001/video"]["stage"] == "assemble"
    assert any(k.startswith("voice/ep001/") and v["provider"] == "speech:piper" for k, v in arts.items())
    assert any(k.startswith("ep001/shot/") and v["provider"] == "image:comic" for k, v in arts.items())
    json.dumps(arts)


@pytest.mark.slow
def test_parallel_render_processes_match_in_process_render(tmp_path):
    """Shots rendered in 2 worker processes give the same segments as in one process."""
    from reelwright.project.settings import Settings
    from reelwright.providers.image_comic import ComicImages
    from reelwright.render.executors import render_segments
    from reelwright.render.shots import shot_specs
    from tests.helpers import tiny_timeline

    timeline, bible = tiny_timeline()
    settings = Settings.model_validate({"video": {"width": 216, "height": 384, "fps": 15, "preset": "superfast"}})
    specs = shot_specs(timeline, bible, settings, ComicImages().identity())
    one = Cache(tmp_path / "one")
    two = Cache(tmp_path / "two")
    a = render_segments(specs, one, workers=1)
    b = render_segments(specs, two, workers=2)
    assert one.work["render"] == two.work["render"] == len(specs)
    for pa, pb in zip(a, b):
        with av.open(str(pa)) as ca, av.open(str(pb)) as cb:
            fa = [f.to_ndarray(format="rgb24").astype(int) for f in ca.decode(video=0)]
            fb = [f.to_ndarray(format="rgb24").astype(int) for f in cb.decode(video=0)]
        assert len(fa) == len(fb) and all(np.abs(x - y).mean() < 1.0 for x, y in zip(fa, fb))

"""``reelwright check`` passes on the demo and finds planted faults, naming the shot or line and the setting."""

from __future__ import annotations

import json
import shutil
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
import yaml

from reelwright.build.pipeline import build
from reelwright.check.report import check_project, format_table
from reelwright.cli import main
from reelwright.documents.base import load_document, save_document
from reelwright.documents.timeline import Timeline
from reelwright.media.video import decode_audio
from reelwright.project.folder import Project


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The shipped demo (an English and a Chinese episode), built small: 216×384 at 15 fps."""
    from tests.helpers import TINY_TOML

    root = tmp_path_factory.mktemp("demo") / "demo"
    shutil.copytree(str(files("reelwright") / "samples" / "demo"), root)
    (root / "reelwright.toml").write_text(TINY_TOML.format(lang="en").replace('"Test"', '"demo"'),
                                          encoding="utf-8")
    report = build(Project.load(root), quiet=True)
    return root, report


def _copy(root: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "copy"
    shutil.copytree(root, dst)
    return dst


def _fails(result):
    return result.failures


@pytest.mark.slow
def test_check_passes_on_the_demo(demo, capsys):
    root, report = demo
    assert report.checks and report.checks_ok, format_table(report.checks)
    results = check_project(Project.load(root))
    assert [r.episode for r in results] == [1, 2] and all(r.ok for r in results), format_table(results)
    assert main(["check", str(root)]) == 0
    table = capsys.readouterr().out
    assert "ep001  PASS" in table and "ep002  PASS" in table and "2 of 2 episode(s) pass" in table
    assert main(["check", str(root), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = {i["check"] for i in data[0]["items"]}
    for expected in ("video codec", "pixel format", "frame rate", "audio codec", "episode length", "hook",
                     "first line", "seconds between turns", "cliffhanger close-up", "cliffhanger sting",
                     "close-up share", "average shot length", "subtitle chars per line", "subtitle chars per second",
                     "subtitle time on screen", "subtitle overlap", "loudness", "true peak", "text in safe zone",
                     "faces in safe zone", "music ducks under speech", "180° rule"):
        assert expected in names, expected
    s = data[0]["summary"]
    assert s["first_cut"] <= 3.0 and s["first_line"] <= 6.0
    assert 1.5 <= s["asl"] <= 3.0 and 0.6 <= s["close_up_share"] <= 0.8
    assert abs(s["loudness"] + 14) <= 1 and s["true_peak"] <= -1.0
    assert s["music_under_speech_db"] >= 8.0
    assert all(d["summary"]["turns"] for d in data)


@pytest.mark.slow
def test_check_finds_an_over_long_subtitle(demo, tmp_path, capsys):
    root = _copy(demo[0], tmp_path)
    path = root / "build" / "ep001.timeline.json"
    timeline = load_document(path, Timeline)
    cue = timeline.cues[2]
    timeline.cues[2] = cue.model_copy(update={"text": "This subtitle line is far too long to read"})
    save_document(timeline, path)
    result = check_project(Project.load(root), "1")[0]
    bad = _fails(result)
    assert not result.ok and [i.check for i in bad] == ["subtitle chars per line"]
    assert f"line {cue.line}" in bad[0].where and "far too long" in bad[0].where
    assert bad[0].setting == "targets.subtitle_chars_cjk/subtitle_chars_latin"
    assert main(["check", str(root), "--episodes", "1"]) == 1
    out = capsys.readouterr().out
    assert "FAIL subtitle chars per line" in out and "setting: targets.subtitle_chars" in out


@pytest.mark.slow
def test_check_finds_a_too_loud_mix(demo, tmp_path):
    from reelwright.media.video import assemble

    root = _copy(demo[0], tmp_path)
    video = root / "build" / "ep002.mp4"
    samples, rate = decode_audio(video)
    loud = np.clip(samples * 10 ** (8 / 20), -1, 1).astype(np.float32)
    n = round(load_document(root / "build" / "ep002.timeline.json", Timeline).frames * rate / 15)
    original = root / "build" / "orig.mp4"
    video.rename(original)
    assemble(video, [original], loud[:n], rate)  # the same pictures, the mix 8 dB hotter
    result = check_project(Project.load(root), "2")[0]
    bad = {i.check: i for i in _fails(result)}
    assert set(bad) == {"loudness", "true peak"}
    assert bad["loudness"].value > -10 and bad["loudness"].setting == "audio.loudness"
    assert bad["true peak"].setting == "audio.true_peak"


@pytest.mark.slow
def test_check_finds_an_episode_without_a_close_up_at_the_end(demo, tmp_path, capsys):
    root = _copy(demo[0], tmp_path)
    board_path = root / "boards" / "ep001.yaml"
    data = yaml.safe_load(board_path.read_text(encoding="utf-8"))
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    end_from = timeline.frames - 10 * timeline.fps
    tail = {ts.shot.id for ts in timeline.shots if ts.start + ts.frames > end_from}
    for shot in data["shots"]:
        if shot["id"] in tail:  # the user opens the ending out to wides
            shot["size"] = "WS"
    board_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = build(Project.load(root), "1", quiet=True)
    assert report.work.get("render", 0) >= 1 and not report.checks_ok
    bad = _fails(report.checks[0])
    assert [i.check for i in bad] == ["cliffhanger close-up"]
    assert bad[0].setting == "board.cliffhanger" and data["shots"][-1]["id"] in bad[0].where
    assert main(["check", str(root), "--episodes", "1"]) == 1
    assert "FAIL cliffhanger close-up" in capsys.readouterr().out
    # with the rule switched off the same ending is only a warning
    toml = root / "reelwright.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[board]\ncliffhanger = false\n", encoding="utf-8")
    result = check_project(Project.load(root), "1")[0]
    item = next(i for i in result.items if i.check == "cliffhanger close-up")
    assert not item.ok and not item.hard


@pytest.mark.slow
def test_check_finds_text_outside_the_safe_zone(demo, tmp_path):
    root = _copy(demo[0], tmp_path)
    toml = root / "reelwright.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[targets]\nsafe_bottom = 0.3\n", encoding="utf-8")
    result = check_project(Project.load(root), "1")[0]
    bad = [i for i in _fails(result) if i.check == "text in safe zone"]
    assert bad and bad[0].setting.startswith("targets.safe_top") and "subtitle box" in bad[0].value


def test_missing_episode_is_reported(tmp_path, tiny_project):
    root = tiny_project("INT. A - DAY\n\nBOB\nHi.\n")
    result = check_project(Project.load(root))[0]
    assert not result.ok and result.items[0].check == "built"

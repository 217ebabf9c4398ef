"""Season-scale freshness: an up-to-date episode is decided from the lock, not derived again; derived commands
(export, localise, deliver) ask the build once and say when it did nothing."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
import yaml

from reelwright.build.pipeline import build
from reelwright.cli import main
from reelwright.deliver.package import deliver_project
from reelwright.errors import InputError
from reelwright.media.audio import Audio, write_wav
from reelwright.project.folder import BOARDS_CHECKED, Project
from reelwright.project.settings import load_settings
from tests.helpers import TWO_SCENE_SCRIPT, edit_yaml, with_board, write_tiny_project

@pytest.fixture(scope="module")
def season(tmp_path_factory):
    """Two built episodes, kept as a pristine copy that each test clones."""
    root = write_tiny_project(tmp_path_factory.mktemp("fresh") / "proj", TWO_SCENE_SCRIPT)
    (root / "scripts" / "ep002.fountain").write_text(TWO_SCENE_SCRIPT.replace("Episode: 1", "Episode: 2")
                                                     .replace("She will come.", "He is late again."),
                                                     encoding="utf-8")
    report = build(Project.load(root), quiet=True)
    assert report.checks_ok and sorted(report.results) == [1, 2] and not report.up_to_date
    return root


def _clone(season, tmp_path):
    dest = tmp_path / "proj"
    shutil.copytree(season, dest, symlinks=True)
    # the lock names cache files by path: point the copy's lock at its own folder
    lock = dest / "reelwright.lock"
    lock.write_text(lock.read_text(encoding="utf-8").replace(str(season), str(dest)), encoding="utf-8")
    return dest


@pytest.mark.slow
def test_nothing_changed_decides_from_the_lock(season, tmp_path):
    root = _clone(season, tmp_path)
    shutil.rmtree(root / "build" / "cache" / "voice")  # a build that voiced again would have to redo these
    shutil.rmtree(root / "build" / "cache" / "board")
    report = build(Project.load(root), quiet=True)
    assert report.nothing_done and report.up_to_date == [1, 2], report.work
    assert all(not r.rebuilt and r.check.ok for r in report.results.values())
    assert report.summary() == "nothing to rebuild: 2 episode(s) up to date"
    assert "no build stage and no self-check ran" in report.brief()


@pytest.mark.slow
def test_an_edit_in_one_episode_rebuilds_only_that_one(season, tmp_path):
    root = _clone(season, tmp_path)
    script = root / "scripts" / "ep002.fountain"
    script.write_text(script.read_text(encoding="utf-8").replace("He is late again.", "He is never late."),
                      encoding="utf-8")
    report = build(Project.load(root), quiet=True)
    assert report.up_to_date == [1] and report.results[2].rebuilt
    assert report.work.get("voice") == 1 and report.work.get("assemble") == 1, report.work
    again = build(Project.load(root), quiet=True)
    assert again.nothing_done and again.up_to_date == [1, 2]


@pytest.mark.slow
def test_a_touched_output_or_a_changed_bible_is_not_fresh(season, tmp_path):
    root = _clone(season, tmp_path)
    video = root / "build" / "ep001.mp4"
    st = video.stat()
    os.utime(video, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    report = build(Project.load(root), quiet=True)
    assert report.up_to_date == [2] and report.results[1].rebuilt  # checked again; its cached shots reused
    assert not report.work.get("render") and not report.work.get("voice"), report.work
    bible = root / "bible.yaml"
    bible.write_text(bible.read_text(encoding="utf-8") + "\n# a note\n", encoding="utf-8")
    assert build(Project.load(root), quiet=True).up_to_date == []


@pytest.mark.slow
def test_a_second_delivery_runs_no_build_stage_and_says_so(season, tmp_path, capsys):
    root = _clone(season, tmp_path)
    first = deliver_project(Project.load(root), quiet=True)
    assert first.build is not None and first.build.up_to_date == [1, 2]
    capsys.readouterr()
    assert main(["deliver", str(root), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "build: 2 episode(s) up to date (no build stage and no self-check ran)" in out, out


def test_an_older_settings_file_is_upgraded_not_rejected(tmp_path):
    toml = tmp_path / "reelwright.toml"
    toml.write_text('[project]\ntitle = "Old"\n\n[delivery]\nreading_cps_latin = 15.0\nbatch = 4\n', encoding="utf-8")
    settings = load_settings(toml)
    assert settings.targets.reading_cps_latin == 15.0 and settings.delivery.batch == 4
    toml.write_text('[targets]\nreading_cps_latin = 19.0\n\n[delivery]\nreading_cps_latin = 15.0\n',
                    encoding="utf-8")
    assert load_settings(toml).targets.reading_cps_latin == 19.0  # the one set in [targets] wins


# ---- boards checked once per content --------------------------------------------------------------

def _checked_project(tmp_path, music: bool = False):
    root = write_tiny_project(tmp_path / "proj", TWO_SCENE_SCRIPT)
    board = with_board(root)
    if music:
        write_wav(root / "theme.wav", Audio(np.zeros(4800, np.float32), 48000))
        edit_yaml(board, lambda d: d["scenes"][0].update(music="theme.wav"))
    (root / "build" / "cache").mkdir(parents=True, exist_ok=True)
    Project.load(root)  # checks the board and notes that these bytes passed
    assert (root / "build" / "cache" / BOARDS_CHECKED).is_file()
    return root, board


def test_a_board_that_passed_is_not_parsed_again(tmp_path, monkeypatch):
    root, _ = _checked_project(tmp_path)
    calls = []
    monkeypatch.setattr(Project, "load_board", lambda self, n, **kw: calls.append(n))
    Project.load(root)
    assert calls == []


def test_a_changed_board_is_checked_again_with_its_line(tmp_path):
    root, board = _checked_project(tmp_path)
    edit_yaml(board, lambda d: d["shots"][0].update(subjects=["NOBODY"]))
    with pytest.raises(InputError) as caught:
        Project.load(root)
    problem = caught.value.problems[0]
    assert problem.path == str(board) and problem.line and "unknown character 'NOBODY'" in problem.message


def test_a_board_whose_episode_lost_lines_is_checked_again(tmp_path):
    root, board = _checked_project(tmp_path)
    lines = [d["line"] for d in yaml.safe_load(board.read_text(encoding="utf-8"))["shots"] if d.get("line")]
    script = root / "scripts" / "ep001.fountain"
    text = script.read_text(encoding="utf-8")
    script.write_text(text[:text.rindex("\n\n", 0, len(text) - 2)] + "\n", encoding="utf-8")  # the last line goes
    with pytest.raises(InputError, match="does not exist"):
        Project.load(root)
    assert lines


def test_a_board_whose_music_changed_is_checked_again(tmp_path):
    root, _ = _checked_project(tmp_path, music=True)
    Project.load(root)
    (root / "theme.wav").write_bytes(os.urandom(4000))  # no longer audio
    with pytest.raises(InputError, match="theme.wav"):
        Project.load(root)

"""The public Python API: events, cancel, the project lock, user edits, and docs/api.md's examples run as-is."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import reelwright
from reelwright import api
from reelwright import api as rw
from reelwright.cli import main
from reelwright.lockfile import LOCK_NAME, ProjectLock, lock_holder
from reelwright.media.video import probe
from tests.helpers import TWO_SCENE_SCRIPT, write_tiny_project

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"
SRC = Path(__file__).resolve().parents[1] / "src"


def test_public_names_are_exported():
    for name in reelwright.__all__:
        assert getattr(reelwright, name) is not None, name
    for name in api.__all__:
        assert getattr(api, name) is not None, name
    assert reelwright.ProjectBusy is api.ProjectBusy and reelwright.Cancelled is api.Cancelled
    assert set(api.__all__) >= {"open_project", "plan", "build", "redo_shot", "change_line", "change_shot",
                                "check", "localise", "deliver", "export"}


@pytest.mark.slow
def test_build_reports_events_with_counts_and_saves_checks(tmp_path):
    root = write_tiny_project(tmp_path / "p", TWO_SCENE_SCRIPT)
    events: list[rw.Event] = []
    out = io.StringIO()
    with contextlib.redirect_stderr(out), contextlib.redirect_stdout(out):
        report = rw.build(root, on_event=events.append)
    assert out.getvalue() == ""  # the API prints nothing: everything went to on_event
    assert isinstance(report, rw.BuildReport) and report.outputs[1]["video"].endswith("ep001.mp4")
    voice = [e for e in events if e.stage == "voice" and e.item == "ep001"]
    render = [e for e in events if e.stage == "render"]
    assert [e.done for e in voice] == [0, 1, 2] and {e.total for e in voice} == {2}
    assert render[-1].done == render[-1].total == report.work["render"] > 0
    assert all(e.eta is not None and e.eta >= 0 for e in render[1:])
    logs = [e.message for e in events if e.kind == "log"]
    assert any("ep001: " in m and "shots →" in m for m in logs) and any("self-check" in m for m in logs)
    saved = api.saved_check(rw.open_project(root), 1)
    assert isinstance(saved, rw.CheckResult) and saved.ok == report.checks_ok


@pytest.mark.slow
def test_cancel_from_another_thread_leaves_a_resumable_build(tmp_path):
    script = TWO_SCENE_SCRIPT + "\nINT. HALL - DAY\n\nMAYA\nOne more line.\n\nLEO\nAnd another one.\n"
    root = write_tiny_project(tmp_path / "p", script)
    cancel = rw.CancelToken()
    seen: list[rw.Event] = []

    def on_event(e: rw.Event) -> None:
        seen.append(e)
        if e.stage == "render" and e.done == 2:
            threading.Thread(target=cancel.cancel).start()  # from another thread, as a UI would
            threading.Event().wait(0.2)

    with pytest.raises(rw.Cancelled):
        rw.build(root, on_event=on_event, cancel=cancel)
    assert lock_holder(root) is None  # the lock is released on cancel
    project = rw.open_project(root)
    assert not (project.build_dir / "ep001.mp4").exists()  # no episode was assembled
    segments = list((project.cache_dir / "shot").rglob("*.mp4"))
    assert len(segments) == 2  # the two finished shots are cached under their final names, each a whole file
    for seg in segments:
        assert probe(seg)["video"]["frames"] > 0
    report = rw.build(root)
    after = list((project.cache_dir / "shot").rglob("*.mp4"))
    assert len(after) > 2 and report.work["render"] == len(after) - 2  # resumed: only the missing shots rendered
    assert report.work.get("voice", 0) == 0
    assert Path(report.outputs[1]["video"]).is_file() and report.checks


def test_second_build_is_refused_naming_the_holder(tmp_path):
    root = write_tiny_project(tmp_path / "p", TWO_SCENE_SCRIPT)
    held, release = threading.Event(), threading.Event()

    def holder():
        with ProjectLock(root, "reelwright build p (test)"):
            held.set()
            release.wait(30)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(10)
    try:
        with pytest.raises(rw.ProjectBusy, match=r"pid \d+ on .* running 'reelwright build p \(test\)'"):
            rw.build(root)
        assert lock_holder(root)["command"] == "reelwright build p (test)"
    finally:
        release.set()
        t.join()
    assert lock_holder(root) is None


def test_cli_build_refused_while_another_process_holds_the_lock(tmp_path):
    root = write_tiny_project(tmp_path / "p", TWO_SCENE_SCRIPT)
    code = ("import sys, time; from reelwright.lockfile import ProjectLock\n"
            f"l = ProjectLock({str(root)!r}, 'reelwright build elsewhere').acquire()\n"
            "print('held', flush=True); time.sleep(60)\n")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    other = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert other.stdout.readline().strip() == "held"
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["build", str(root), "--quiet"])
        assert code == 1
        msg = err.getvalue()
        assert msg.startswith("error: the project is busy:") and f"pid {other.pid}" in msg
        assert "'reelwright build elsewhere'" in msg and "Traceback" not in msg
        assert not (root / "build" / "ep001.mp4").exists()
    finally:
        other.kill()
        other.wait()
    # the holder died without releasing: its stale record is taken over
    assert lock_holder(root) is None
    with ProjectLock(root, "after") as lock:
        assert lock.info["pid"] == os.getpid()
        assert '"after"' in (root / "build" / LOCK_NAME).read_text()


def test_edits_are_validated_and_written_like_hand_edits(tmp_path):
    root = write_tiny_project(tmp_path / "p", TWO_SCENE_SCRIPT)
    script = root / "scripts" / "ep001.fountain"
    before = script.read_text()
    for bad in ["", "   \n ", "first\n\nsecond", "(whispers)"]:
        with pytest.raises(rw.InputError, match="text:"):
            rw.change_line(root, 1, 0, bad)
        assert script.read_text() == before
    with pytest.raises(rw.InputError, match="no line 7"):
        rw.change_line(root, 1, 7, "hello")
    edit = rw.change_line(root, 1, 0, "He swore he'd stay away.")
    assert edit.changed and edit.before == "He said he would never come back."
    assert script.read_text() == before.replace("He said he would never come back.", "He swore he'd stay away.")
    project = rw.open_project(root)
    assert project.episodes[1].episode.dialogue()[0].text == "He swore he'd stay away."

    board_file = root / "boards" / "ep001.yaml"
    for field, value, why in [("size", "giant", "size:"), ("move", "spin", "move:"), ("colour", "red", "colour:"),
                              ("expressions.NOBODY", "happy", "expressions.NOBODY:"), ("frames", 0, "frames:")]:
        with pytest.raises(rw.InputError, match=re.escape(why)):
            rw.change_shot(root, 1, 1, field, value)
        assert not board_file.exists()
    board = api.board(root, 1)
    first = board.shots[0]
    person = next(s for s in board.shots if s.subjects).subjects[0]
    shot_with = next(s for s in board.shots if s.subjects)
    rw.change_shot(root, 1, first.id, "size", "ECU")
    rw.change_shot(root, 1, shot_with.id, f"expressions.{person}", "angry")
    saved = rw.open_project(root).load_board(1)
    assert saved.shots[0].size == "ECU"
    assert next(s for s in saved.shots if s.id == shot_with.id).expressions[person] == "angry"
    assert api.board(root, 1).shots[0].size == "ECU"  # the next build keeps the user's edit

    zh = write_tiny_project(tmp_path / "zh", "第1集\n\n1-1 夜 内 客厅\n人物：林晚、顾言\n\n△林晚盯着信封。\n\n"
                            "林晚：（低声）他说过，再也不回来了。\n顾言：我骗你的。\n", "ep001.txt", "zh")
    rw.change_line(zh, 1, 0, "他发过誓。")
    assert "林晚：（低声）他发过誓。\n" in (zh / "scripts" / "ep001.txt").read_text()
    with pytest.raises(rw.InputError, match="is one line"):
        rw.change_line(zh, 1, 1, "第一行\n第二行")

    en = write_tiny_project(tmp_path / "en", "Episode 1: The Return\nScene 1-1: INT. NOODLE SHOP - NIGHT\n"
                            "Characters: Li Wei, Zhou Mei\nRain hammers the windows.\n"
                            "WEI: (quietly) You came back.\nMEI: I had to.\n", "ep001.txt")
    assert rw.open_project(en).episodes[1].document.format == "en"
    rw.change_line(en, 1, 0, "You came back at last.")
    assert "WEI: (quietly) You came back at last.\n" in (en / "scripts" / "ep001.txt").read_text()


def _doc_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@pytest.mark.slow
def test_docs_api_examples_run(tmp_path, monkeypatch):
    blocks = _doc_blocks()
    assert len(blocks) >= 4
    write_tiny_project(tmp_path / "my-series", TWO_SCENE_SCRIPT)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    namespace: dict = {}
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - the documentation's own examples
    text = out.getvalue()
    assert "ep001 render: " in text and "ep001.fountain He said he would never come back. → He swore" in text
    assert "size: Input should be 'ECU'" in text
    assert "cancelled; finished work is kept" in text and "the project is busy: pid" in text
    assert "exported 1 episode(s)" in text

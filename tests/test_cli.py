"""The command line: every command has --help, bad input gives one located message and exit code 2."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from reelwright import __version__
from reelwright.cli import _parser, main


def _commands() -> list[str]:
    """Every command the CLI has, read from its parser (so a new command is covered by the --help test)."""
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return [a.dest for a in sub._choices_actions]


COMMANDS = _commands()


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reelwright", *args], capture_output=True, text=True, timeout=120)


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and __version__ in capsys.readouterr().out
    for cmd in COMMANDS:
        with pytest.raises(SystemExit) as e:
            main([cmd, "--help"])
        assert e.value.code == 0
        assert "usage: reelwright " + cmd in capsys.readouterr().out


def test_parse_stats_and_conversion(tmp_path, capsys):
    f = tmp_path / "a.fountain"
    f.write_text("INT. HOUSE - DAY\n\nBOB\nHi.\n\nANN ^\nHello.\n\nEXT. YARD - NIGHT\n\nBOB\nBye.\n", encoding="utf-8")
    assert main(["parse", str(f), "--stats"]) == 0
    assert json.loads(capsys.readouterr().out) == {"scenes": 2, "dialogue": 3, "characters": ["BOB", "ANN"]}
    assert main(["parse", str(f), "--to", "zh"]) == 0
    zh = capsys.readouterr().out
    assert "内" in zh and ("BOB：" in zh or "BOB:" in zh)
    assert main(["parse", str(f)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "fountain" and len(doc["episodes"][0]["elements"]) == 5


def test_new_scaffolds_a_project_that_loads(tmp_path, capsys):
    from reelwright.project.folder import Project

    for lang in ("en", "zh"):
        root = tmp_path / f"series-{lang}"
        assert main(["new", str(root), "--lang", lang]) == 0
        project = Project.load(root)
        assert project.settings.project.language == lang and list(project.episodes) == [1]
    assert main(["new", str(tmp_path / "series-en")]) == 2
    assert "already exists" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("case", ["toml", "yaml", "board", "fountain", "english", "chinese", "utf8", "missing"])
def test_bad_input_gives_located_error_and_exit_2(tmp_path, case):
    root = tmp_path / "p"
    assert main(["new", str(root)]) == 0
    expect = None
    if case == "toml":
        (root / "reelwright.toml").write_text('[video]\nwidth = 1080\nfps = "fast"\n', encoding="utf-8")
        expect = f"{root / 'reelwright.toml'}:3: video.fps"
    elif case == "yaml":
        (root / "bible.yaml").write_text("characters:\n  - name: A\n    age: old\n    look: {seed: a}\n",
                                         encoding="utf-8")
        expect = f"{root / 'bible.yaml'}:3: characters.0.age"
    elif case == "board":
        (root / "boards" / "ep001.yaml").write_text(
            "episode: 1\nshots:\n  - id: s01-01\n    scene: 1\n    subjects: [MAYA, NOBODY]\n", encoding="utf-8")
        expect = f"{root / 'boards' / 'ep001.yaml'}:5: shot s01-01: unknown character 'NOBODY'"
    elif case == "fountain":
        # a cue with a blank line before its speech: scenes and action but no dialogue
        (root / "scripts" / "ep001.fountain").write_text("INT. A - DAY\n\nBob walks in.\n\nBOB\n\nHi.\n",
                                                        encoding="utf-8")
        expect = f"{root / 'scripts' / 'ep001.fountain'}:3: 1 scene line(s) but no dialogue: this looks like Fountain"
    elif case == "english":
        (root / "scripts" / "ep001.fountain").unlink()
        (root / "scripts" / "ep001.txt").write_text(
            "Episode 1: The Debt\nScene 1-1: INT. SHOP - NIGHT\nWei says - you came back.\n", encoding="utf-8")
        expect = (f"{root / 'scripts' / 'ep001.txt'}:3: 1 scene line(s) but no dialogue: this looks like the English "
                  "short-drama layout but no line matched `NAME: text`")
    elif case == "chinese":
        (root / "scripts" / "ep001.fountain").unlink()
        (root / "scripts" / "ep001.txt").write_text("第1集\n1-1 日 内 客厅\n林晚：\n", encoding="utf-8")
        expect = f"{root / 'scripts' / 'ep001.txt'}:3:"
    elif case == "utf8":
        (root / "scripts" / "ep001.fountain").write_bytes(b"INT. A - DAY\n\nBOB\n\xff\xfeHi.\n")
        expect = f"{root / 'scripts' / 'ep001.fountain'}:4: not valid UTF-8"
    elif case == "missing":
        r = run("parse", str(tmp_path / "nope.fountain"))
        assert r.returncode == 2 and "nope.fountain: file not found" in r.stderr and "Traceback" not in r.stderr
        return
    snapshot = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    r = run("build", str(root), "--quiet")
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert expect in r.stderr, r.stderr
    assert r.stderr.startswith("error: ")
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert after == snapshot, "a failed build must not write or lose files"


@pytest.mark.slow
def test_build_exits_1_when_its_self_check_fails(tmp_path, capsys):
    """The videos are written, but a hard failure of the closing self-check is the build's exit status."""
    from tests.helpers import write_tiny_project

    root = write_tiny_project(tmp_path / "proj", "INT. KITCHEN - NIGHT\n\nMAYA\nHe said he would never come back.\n")
    with open(root / "reelwright.toml", "a", encoding="utf-8") as fh:
        fh.write("\n[targets]\nsafe_sides = 0.3\n")  # no subtitle fits between 30% margins
    assert main(["build", str(root), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "self-check failed for ep001" in err and (root / "build" / "ep001.mp4").is_file()
    assert main(["check", str(root)]) == 1

"""docs/insights.md is executed: its commands on the demo (built small) print what the page shows."""

from __future__ import annotations

import re
import shlex
import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from reelwright.cli import main
from reelwright.insights.metrics import ALIASES
from tests.helpers import TINY_TOML

DOC = Path(__file__).resolve().parents[1] / "docs" / "insights.md"


def _blocks(lang: str) -> list[str]:
    """The fenced blocks of the page in ``lang`` ("" = no language), in order."""
    out, current, body = [], None, []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            if current is None:
                current, body = line[3:].strip(), []
            else:
                if current == lang:
                    out.append("\n".join(body))
                current = None
        elif current is not None:
            body.append(line)
    return out


def test_every_header_alias_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for name, aliases in ALIASES.items():
        row = next((ln for ln in text.splitlines() if ln.startswith(f"| `{name}` |")), None)
        assert row is not None, name
        for alias in aliases:
            assert re.search(rf"(?<![\w]){re.escape(alias)}(?![\w])", row), (name, alias)


@pytest.mark.slow
def test_the_demo_report_in_the_docs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").symlink_to(DOC.parent)
    demo = tmp_path / "reelwright-demo"  # the shipped demo at 216×384, 15 fps: `reelwright demo` builds it
    shutil.copytree(str(files("reelwright") / "samples" / "demo"), demo)
    (demo / "reelwright.toml").write_text(TINY_TOML.format(lang="en").replace('"Test"', '"reelwright demo"'),
                                          encoding="utf-8")
    commands = [ln for ln in _blocks("sh")[1].splitlines() if ln.strip()]
    assert commands[0] == "reelwright demo reelwright-demo"
    assert main(shlex.split(commands[0])[1:] + ["--quiet"]) == 0
    capsys.readouterr()
    assert main(shlex.split(commands[1])[1:]) == 0
    captured = capsys.readouterr()
    shown = [ln for ln in _blocks("")[1].splitlines() if ln.strip()]  # the printed block under the commands
    printed = captured.out.splitlines() + captured.err.splitlines()
    for line in shown:
        assert line in printed, line
    out = demo / "build" / "insights"
    for name in ("report.html", "findings.json", "funnel.png", "craft.png", "ep001.retention.png"):
        assert (out / name).is_file()
    for shot in ("s02-e", "s03-a02i", "s01-c01", "s03-d03o"):
        assert shot in (out / "report.html").read_text(encoding="utf-8")
    code = _blocks("python")[0]
    exec(compile(code, str(DOC), "exec"), {})
    assert (tmp_path / "charts" / "funnel.png").is_file()

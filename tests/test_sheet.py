"""``reelwright board --sheet``: contact sheets (PNG pages + PDF) and the shot list CSV."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from PIL import Image

from reelwright.cli import main
from reelwright.export.sheet import COLUMNS, board_project
from reelwright.media.contact import PAGE_SIZE, PANELS_PER_PAGE
from reelwright.project.folder import Project

SCRIPT = """Title: Sheet
Episode: 1

INT. KITCHEN - NIGHT

MAYA stares at the contract on the table.

MAYA
(shaking)
You told them I forged it, and they believed every word.

LEO
(coldly)
I told them the truth.

MAYA
You what?!

EXT. ROOF - NIGHT

LEO checks his phone. A message from Maya.

LEO
Then we are finished, and she will never know.
"""


@pytest.mark.slow
def test_board_sheet_writes_pages_pdf_and_shot_list(tiny_project, capsys):
    root = tiny_project(SCRIPT)
    assert main(["board", str(root), "--sheet", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "ep001:" in out and "estimated" in out and "contact sheet:" in out
    project = Project.load(root)
    board = project.load_board(1)
    n = len(board.shots)
    build = root / "build"
    pages = sorted(build.glob("ep001.sheet-p*.png"))
    assert len(pages) == math.ceil(n / PANELS_PER_PAGE) >= 1
    img = Image.open(pages[0])
    assert img.size == PAGE_SIZE
    pixels = np.asarray(img.convert("RGB"))
    assert pixels.std() > 30  # thumbnails and text, not a blank page
    pdf = (build / "ep001.sheet.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + \
        pdf.count(b"/Type/Page") >= len(pages)
    with open(build / "ep001.shots.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == COLUMNS
    assert [r["shot"] for r in rows] == [s.id for s in board.shots]
    assert all(float(r["duration"]) > 0 for r in rows)
    by_id = {r["shot"]: r for r in rows}
    first = by_id[board.shots[0].id]
    assert first["size"] and first["move"] and first["angle"]
    insert = next(r for r in rows if r["size"] == "INSERT")
    assert insert["props"] == "contract" and insert["description"].startswith("Insert:")
    spoken = [r for r in rows if r["dialogue"]]
    assert any(r["dialogue"].startswith("MAYA: You told them I forged it") for r in spoken)
    assert {r["location"] for r in rows} == {"KITCHEN (INT, night)", "ROOF (EXT, night)"}
    reaction = next(r for r in rows if r["description"].startswith("Reaction:"))
    assert reaction["subjects"] and reaction["dialogue"] == ""


@pytest.mark.slow
def test_sheet_uses_measured_durations_after_a_build(tiny_project):
    from reelwright.build.pipeline import build

    root = tiny_project("INT. ROOM - DAY\n\nANN\nHello there.\n\nBOB\n(angry)\nGet out!\n")
    build(Project.load(root), quiet=True)
    [summary] = board_project(Project.load(root), sheet=True, quiet=True)
    assert summary["measured"] and summary["pdf"].endswith("ep001.sheet.pdf")
    from reelwright.documents.base import load_document
    from reelwright.documents.timeline import Timeline

    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    with open(root / "build" / "ep001.shots.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [float(r["duration"]) for r in rows] == [round(ts.frames / timeline.fps, 2) for ts in timeline.shots]
    assert abs(summary["seconds"] - timeline.frames / timeline.fps) < 0.1


@pytest.mark.slow
def test_chinese_sheet_renders(tiny_project):
    script = ("第1集\n\n1-1 夜 内 婚房\n人物：林晚、顾言\n\n△林晚攥紧手机。\n"
              "顾言：（冷笑）林家送来的新娘，就是你？\n林晚：（紧张）我就是林雪。\n")
    root = tiny_project(script, name="ep001.txt", lang="zh")
    [summary] = board_project(Project.load(root), sheet=True, quiet=True)
    assert summary["shots"] >= 4 and summary["png"]
    with open(summary["csv"], encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert any(r["dialogue"].startswith("顾言: 林家送来的新娘") for r in rows)
    assert any(r["props"] == "手机" for r in rows)

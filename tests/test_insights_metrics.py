"""Importing platform numbers: CSV, XLSX and JSON; English and Chinese headers; fractions and percentages;
bad files name the file, the row and the column (exit 2 through the CLI, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from reelwright.cli import main
from reelwright.errors import InputError
from reelwright.insights.metrics import canonical_column, load_metrics
from tests.helpers import TWO_SCENE_SCRIPT, write_tiny_project

EN_EPISODES = "episode,plays,completion_rate,next_episode_rate,unlock_rate\n1,10000,0.62,0.81,\n2,8100,0.58,0.77,0.09\n"
ZH_EPISODES = "集数,播放量,完播率,追剧率,解锁率\n1,10000,62%,81%,\n2,8100,58%,77%,9%\n"
ZH_CURVE = "集数,秒,留存率\n1,0,100\n1,1,93.5\n1,2,90\n2,0,100\n2,1,95\n"


def _check_episodes(m) -> None:
    assert sorted(m.episodes) == [1, 2]
    e1, e2 = m.episodes[1], m.episodes[2]
    assert e1.plays == 10000 and e2.plays == 8100
    assert e1.completion_rate == pytest.approx(0.62) and e2.next_episode_rate == pytest.approx(0.77)
    assert e1.unlock_rate is None and e2.unlock_rate == pytest.approx(0.09)


def test_headers_in_both_languages_and_their_aliases():
    assert canonical_column("集数") == ("episode", False)
    assert canonical_column("完播率(%)") == ("completion_rate", True)
    assert canonical_column(" Next Episode Rate ") == ("next_episode_rate", False)
    assert canonical_column("留存率（%）") == ("retention", True)
    assert canonical_column("秒") == ("second", False)
    assert canonical_column("解锁率") == ("unlock_rate", False)
    assert canonical_column("播放量") == ("plays", False)
    assert canonical_column("whatever") == (None, False)


def test_csv_english_and_chinese_give_the_same_numbers(tmp_path):
    en = tmp_path / "en.csv"
    en.write_text(EN_EPISODES, encoding="utf-8")
    zh = tmp_path / "zh.csv"
    zh.write_text(ZH_EPISODES, encoding="utf-8")
    _check_episodes(load_metrics([en]))
    _check_episodes(load_metrics([zh]))


def test_curves_in_percent_and_fractions_and_merged_with_episode_rows(tmp_path):
    curve = tmp_path / "curve.csv"
    curve.write_text(ZH_CURVE, encoding="utf-8")
    frac = tmp_path / "frac.csv"
    frac.write_text("episode;second;retention\n3;0;1\n3;1;0.9\n3;3;0.8\n", encoding="utf-8")  # ; and a gap
    eps = tmp_path / "eps.csv"
    eps.write_text(EN_EPISODES, encoding="utf-8")
    m = load_metrics([eps, curve, frac])
    _check_episodes(type(m)(episodes={k: v for k, v in m.episodes.items() if k < 3}))
    assert m.episodes[1].retention() == pytest.approx([1.0, 0.935, 0.9])
    assert m.episodes[2].retention() == pytest.approx([1.0, 0.95])
    assert m.episodes[3].retention() == pytest.approx([1.0, 0.9, 0.9, 0.8])  # second 2 carried over


def test_xlsx_with_chinese_headers_and_a_curve_sheet(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "分集数据"
    ws.append(["集数", "播放量", "完播率", "追剧率", "解锁率"])
    ws.append([1, 10000, 62, 81, None])
    ws.append(["第2集", 8100, "58%", 0.77 * 100, "9%"])
    notes = book.create_sheet("说明")
    notes.append(["这一页没有数据"])
    curve = book.create_sheet("留存")
    curve.append(["集数", "秒", "留存率"])
    for s, r in enumerate([1.0, 0.95, 0.91]):
        curve.append([1, s, r])
    path = tmp_path / "platform.xlsx"
    book.save(path)
    m = load_metrics([path])
    _check_episodes(m)
    assert m.episodes[1].retention() == pytest.approx([1.0, 0.95, 0.91])


def test_json_records_and_curves_as_lists(tmp_path):
    listed = tmp_path / "a.json"
    listed.write_text(json.dumps([{"episode": 1, "plays": 10000, "completion_rate": "62%", "next_episode_rate": 0.81},
                                  {"episode": 2, "plays": 8100, "completion_rate": 0.58, "next_episode_rate": 0.77,
                                   "unlock_rate": 0.09}]), encoding="utf-8")
    _check_episodes(load_metrics([listed]))
    grouped = tmp_path / "b.json"
    grouped.write_text(json.dumps({"platform": "demo", "episodes": [
        {"集数": 1, "播放量": 10000, "完播率": 62, "追剧率": 81, "留存率": [100, 96, 93]},
        {"集数": 2, "播放量": 8100, "完播率": 58, "追剧率": 77, "解锁率": 9, "留存率": [100, 97]}]},
        ensure_ascii=False, indent=1), encoding="utf-8")
    m = load_metrics([grouped])
    _check_episodes(m)
    assert m.episodes[1].retention() == pytest.approx([1.0, 0.96, 0.93])


# ---- bad files ---------------------------------------------------------------------------------------------

def _bad_xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "data"
    ws.append(["episode", "plays", "completion_rate"])
    ws.append([1, 1000, 0.5])
    ws.append([2, "lots", 0.4])
    book.save(path)
    return path


@pytest.mark.parametrize("name,content,row,column", [
    ("plays.csv", "episode,plays\n1,1000\n2,abc\n", 3, "'plays'"),
    ("rate.csv", "集数,完播率\n1,50%\n2,150%\n", 3, "'完播率'"),
    ("episode.csv", "episode,plays\n1,1000\n\nx2,900\n", 4, "'episode'"),
    ("noepisode.csv", "title,plays\nA,1000\n", 1, None),
    ("second.csv", "episode,second,retention\n1,0,1\n1,0.5,0.9\n", 3, "'second'"),
    ("dup.csv", "episode,second,retention\n1,0,1\n1,0,0.9\n", 3, "'second'"),
    ("curve.json", '[\n {"episode": 1, "plays": 10},\n {"episode": 2,\n  "plays": -5}\n]\n', 3, "'plays'"),
    ("broken.json", '[{"episode": 1,, }]', 1, None),
])
def test_bad_files_name_file_row_and_column(tmp_path, name, content, row, column):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_metrics([path])
    problem = exc.value.problems[0]
    assert problem.path == str(path) and problem.line == row, str(exc.value)
    if column:
        assert f"column {column}" in str(exc.value)


def test_bad_xlsx_cell_names_sheet_row_and_column_letter(tmp_path):
    path = _bad_xlsx(tmp_path / "bad.xlsx")
    with pytest.raises(InputError) as exc:
        load_metrics([path])
    msg = str(exc.value)
    assert f"{path}[data]:3: column B (plays): expected a number, got 'lots'" == msg


def test_cli_exits_2_on_a_bad_file_and_writes_nothing(tmp_path, capsys):
    root = write_tiny_project(tmp_path / "proj", TWO_SCENE_SCRIPT)
    good = tmp_path / "good.csv"
    good.write_text(EN_EPISODES, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("集数,秒,留存率\n1,0,100\n1,1,abc\n", encoding="utf-8")
    code = main(["insights", str(root), "--metrics", str(good), str(bad)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == f"error: {bad}:3: column '留存率': expected a number, got 'abc'"
    assert "Traceback" not in err
    assert not (root / "build" / "insights").exists()
    xlsx = _bad_xlsx(tmp_path / "bad.xlsx")
    assert main(["insights", str(root), "--metrics", str(xlsx)]) == 2
    assert "[data]:3: column B (plays)" in capsys.readouterr().err
    assert not (root / "build").exists()


def test_insights_help(capsys):
    with pytest.raises(SystemExit) as e:
        main(["insights", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "usage: reelwright insights" in out and "--metrics" in out and "docs/insights.md" in out

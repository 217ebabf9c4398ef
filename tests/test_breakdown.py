"""The breakdown: elements from scripts written for these tests (Fountain and the Chinese format), story
days and continuity, producer edits kept on re-runs, reports, the CLI, and the real Cyber Bob script."""

from __future__ import annotations

import csv
import os
import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from reelwright.build.freshness import fingerprint
from reelwright.cli import main
from reelwright.documents.base import load_document, save_document
from reelwright.documents.bible import Look
from reelwright.documents.breakdown import Breakdown
from reelwright.documents.storyboard import Shot
from reelwright.documents.timeline import Timeline, TimelineShot
from reelwright.production.breakdown import merge_breakdown, update_breakdown
from reelwright.production.continuity import check_breakdown, read_cue, story_days
from reelwright.production.reports import dood_rows, strip_colour, write_reports
from reelwright.project.cache import Cache
from reelwright.project.folder import Project
from reelwright.providers.image_comic import ComicImages
from reelwright.render.shots import subject_looks
from reelwright.stages.images import shot_prompt
from tests.chat_server import ChatServer, Reply, chat, scripted
from tests.helpers import write_tiny_project

FOUNTAIN = """Title: Breakdown Test

INT. KITCHEN - NIGHT

MAYA, 28, in a red sweater, clutches a torn contract. Rain lashes the house.

MAYA
He never came back.

LEO, 30, enters with two bodyguards. He sets a gun on the table.

LEO
(coldly)
Sign it.

Leo slaps Maya. She falls down against the counter, a bruise on her cheek.

EXT. STREET - NIGHT

Maya runs past a taxi. A dog barks at her.

MAYA
Not tonight.

INT. OFFICE - NEXT MORNING

Maya changes into a navy suit. She hands the contract to VICTOR, 60.

VICTOR
Back so soon?

INT. OFFICE - LATER

MAYA
I want my company back.
"""

CHINESE = """第1集：婚礼

1-1 日 内 教堂
人物：林晚、顾言、宾客

△林晚穿着一袭白色婚纱，手里攥着戒指。众人窃窃私语。
顾言：（冷漠）你不是林雪。
△顾言扇了林晚一个耳光，林晚脸上留下巴掌印。

1-2 夜 外 街道
人物：林晚

△大雨。林晚跑过一辆出租车。
林晚：（哭）我该怎么办？

第2集：早餐

【字幕：三天后】

2-1 日 内 顾家客厅
人物：林晚、顾言

△林晚换上一件蓝色旗袍，端着茶杯。
林晚：早。
顾言：坐。
"""


def _project(tmp_path: Path, script: str, name: str, lang: str = "en") -> Project:
    write_tiny_project(tmp_path, script, name, lang)
    return Project.load(tmp_path)


def _scene(b: Breakdown, sid: str):
    return next(s for s in b.scenes if s.id == sid)


def test_fountain_breakdown_names_cast_props_costumes_and_effects(tmp_path):
    result = update_breakdown(_project(tmp_path, FOUNTAIN, "ep001.fountain"))
    b = result.breakdown
    assert [s.id for s in b.scenes] == ["ep001-s01", "ep001-s02", "ep001-s03", "ep001-s04"]
    s1 = _scene(b, "ep001-s01")
    assert (s1.int_ext, s1.time_of_day, s1.night, s1.set) == ("INT", "NIGHT", True, "KITCHEN")
    assert [(c.name, c.speaking) for c in s1.cast] == [("MAYA", True), ("LEO", True)]
    assert s1.member("MAYA").costume == "red sweater" and s1.member("MAYA").colour == "#c62828"
    assert s1.member("MAYA").injuries == ["bruise"]
    props = {p.name: p.hero for p in s1.props}
    assert props["contract"] is True and props["gun"] is True
    assert [(e.description, e.count) for e in s1.extras] == [("bodyguards", 2)]
    assert "rain" in s1.sfx and "slaps" in s1.stunts and "falls down" in s1.stunts
    assert s1.frames > 0 and s1.length_from == "estimate" and s1.eighths >= 1
    s2 = _scene(b, "ep001-s02")
    assert s2.int_ext == "EXT" and s2.vehicles == ["taxi"] and s2.animals == ["dog"]
    # same story day: the same costume; the bruise persists
    assert s2.story_day == 1 and s2.member("MAYA").costume == "red sweater" and s2.member("MAYA").injuries == ["bruise"]
    s3, s4 = _scene(b, "ep001-s03"), _scene(b, "ep001-s04")
    assert s3.story_day == 2 and s4.story_day == 2  # NEXT MORNING, then LATER
    assert s3.member("MAYA").costume == "navy suit" and s4.member("MAYA").costume == "navy suit"
    assert s4.member("MAYA").injuries == ["bruise"]
    assert s3.member("VICTOR").speaking and "VICTOR" not in [c.name for c in s4.cast]
    assert result.conflicts == []


def test_chinese_breakdown_names_cast_props_costumes_and_extras(tmp_path):
    b = update_breakdown(_project(tmp_path, CHINESE, "ep001.txt", "zh")).breakdown
    s1 = _scene(b, "ep001-s01")
    assert s1.number == "1-1" and s1.set == "教堂" and s1.int_ext == "INT" and not s1.night
    assert [c.name for c in s1.cast] == ["林晚", "顾言"]  # 宾客 in 人物 are extras, not cast
    assert {e.description for e in s1.extras} == {"宾客", "众人"}
    lin = s1.member("林晚")
    assert lin.costume == "白色婚纱" and lin.colour == "#f4f4f4" and lin.injuries == ["巴掌印"]
    assert {p.name: p.hero for p in s1.props} == {"戒指": True}
    assert "耳光" in s1.stunts
    s2 = _scene(b, "ep001-s02")
    assert s2.night and s2.int_ext == "EXT" and "大雨" in s2.sfx and s2.vehicles == ["出租车"]
    assert s2.member("林晚").costume == "白色婚纱" and s2.member("林晚").injuries == ["巴掌印"]
    s3 = _scene(b, "ep002-s01")
    assert s3.story_day == 4  # 三天后
    assert s3.member("林晚").costume == "蓝色旗袍" and s3.member("林晚").colour == "#25557c"
    assert [p.name for p in s3.props] == ["茶杯"]


def test_story_day_cues_in_both_languages():
    assert read_cue(["THREE DAYS LATER"]).forward == 3
    assert read_cue(["A WEEK LATER"]).forward == 7
    assert read_cue(["INT. HOUSE - NEXT DAY"]).forward == 1
    assert read_cue(["第二天"]).forward == 1 and read_cue(["三天后"]).forward == 3 and read_cue(["一个月后"]).forward == 30
    assert read_cue(["三天前"]).back == 3 and read_cue(["TWO DAYS EARLIER"]).back == 2
    assert read_cue(["LATER"]).same and read_cue(["当晚"]).same
    cue = read_cue
    days = story_days([(cue(["DAY"]), "DAY", False), (cue(["NIGHT"]), "NIGHT", False),
                       (cue(["DAY"]), "DAY", False), (cue(["三天前"]), "日", False), (cue(["夜"]), "夜", False),
                       (cue([""]), "DAY", True)])
    assert days == [(1, False), (1, False), (2, False), (-1, True), (2, False), (0, True)]


@pytest.mark.slow
def test_check_reports_costume_injury_and_story_day_conflicts_with_scene_and_episode(tmp_path):
    project = _project(tmp_path, FOUNTAIN, "ep001.fountain")
    update_breakdown(project)
    path = tmp_path / "breakdown.yaml"
    b = load_document(path, Breakdown)
    s2 = _scene(b, "ep001-s02")
    s2.member("MAYA").costume = "green coat"  # a different costume the same story day, no change marked
    _scene(b, "ep001-s04").member("MAYA").injuries = []  # the bruise vanishes
    _scene(b, "ep001-s03").story_day = 0  # the clock runs back without a flashback
    save_document(b, path)
    code = main(["breakdown", str(tmp_path), "--check", "--quiet"])
    assert code == 1
    conflicts = check_breakdown(load_document(path, Breakdown))
    kinds = {(c.kind, c.scene, c.episode) for c in conflicts}
    assert ("costume", "ep001-s02", 1) in kinds
    assert ("injury", "ep001-s04", 1) in kinds
    assert ("story_day", "ep001-s03", 1) in kinds
    text = "\n".join(map(str, conflicts))
    assert "green coat" in text and "red sweater" in text and "scripts/ep001.fountain:" in text
    # marking the change and putting the bruise back clears them
    b = load_document(path, Breakdown)
    _scene(b, "ep001-s02").member("MAYA").change = True
    _scene(b, "ep001-s04").member("MAYA").injuries = ["bruise"]
    _scene(b, "ep001-s03").story_day = 2
    save_document(b, path)
    # the re-run dresses the scenes again over the corrected story days
    assert update_breakdown(Project.load(tmp_path)).conflicts == []


def test_producer_edits_are_kept_and_script_edits_flow_through(tmp_path):
    project = _project(tmp_path, FOUNTAIN, "ep001.fountain")
    update_breakdown(project)
    path = tmp_path / "breakdown.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["scenes"][0]["location"] = "Stage 2"
    data["scenes"][0]["props"].append({"name": "kettle", "hero": False})
    data["scenes"][0]["cast"][1]["costume"] = "black leather jacket"
    data["scenes"][2]["story_day"] = 5
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # the script changes: a new prop in scene 2
    script = tmp_path / "scripts" / "ep001.fountain"
    script.write_text(FOUNTAIN.replace("A dog barks at her.", "A dog barks at her. She drops her umbrella."),
                      encoding="utf-8")
    b = update_breakdown(Project.load(tmp_path)).breakdown
    s1 = _scene(b, "ep001-s01")
    assert s1.location == "Stage 2" and "kettle" in [p.name for p in s1.props]
    assert s1.member("LEO").costume == "black leather jacket"
    assert "umbrella" in [p.name for p in _scene(b, "ep001-s02").props]
    s3 = _scene(b, "ep001-s03")
    assert s3.story_day == 5
    # the producer's story day steers the costume: scene 4 (LATER, day 2) is no longer the same day as scene 3
    assert _scene(b, "ep001-s04").story_day == 2 and _scene(b, "ep001-s04").member("MAYA").costume != "navy suit"
    # re-running with nothing changed writes nothing
    assert update_breakdown(Project.load(tmp_path)).written is False


def test_merge_without_previous_keeps_non_script_fields():
    fresh = Breakdown.model_validate({"scenes": [{"id": "ep001-s01", "episode": 1, "scene": 1, "set": "A",
                                                  "location": "A", "synopsis": "new"}]})
    mine = Breakdown.model_validate({"scenes": [{"id": "ep001-s01", "episode": 1, "scene": 1, "set": "A",
                                                 "location": "Lot 3", "synopsis": "old"}]})
    merged = merge_breakdown(fresh, mine, None)
    assert merged.scenes[0].location == "Lot 3" and merged.scenes[0].synopsis == "new"


@pytest.mark.slow
def test_reports_write_sheets_plots_and_lists(tmp_path):
    b = update_breakdown(_project(tmp_path, FOUNTAIN, "ep001.fountain")).breakdown
    files = write_reports(b, tmp_path / "out")
    names = {f.name for f in files}
    assert names == {"breakdown.csv", "breakdown.pdf", "costume_plot.csv", "props.csv", "locations.csv"}
    rows = list(csv.DictReader((tmp_path / "out" / "breakdown.csv").open(encoding="utf-8")))
    assert [r["colour"] for r in rows] == ["blue", "green", "white", "white"]
    pdf = (tmp_path / "out" / "breakdown.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>") + \
        pdf.count(b"/Type /Page ") >= 4
    plot = list(csv.DictReader((tmp_path / "out" / "costume_plot.csv").open(encoding="utf-8")))
    red = next(r for r in plot if r["character"] == "MAYA" and r["costume"] == "red sweater")
    assert red["scenes"] == "ep001-s01 ep001-s02" and red["story_days"] == "1"
    assert int(red["sets_to_make"]) == 3  # one, one for the stunt, one with the bruise
    props = {r["prop"]: r for r in csv.DictReader((tmp_path / "out" / "props.csv").open(encoding="utf-8"))}
    assert props["contract"]["first_use"] == "ep001-s01" and props["contract"]["last_use"] == "ep001-s03"
    assert props["contract"]["kind"] == "hero"
    locs = {r["location"]: r for r in csv.DictReader((tmp_path / "out" / "locations.csv").open(encoding="utf-8"))}
    assert locs["OFFICE"]["scene_count"] == "2"


def test_strip_colours_follow_the_industry_code():
    assert strip_colour("INT", "DAY", False)[0] == "white"
    assert strip_colour("EXT", "DAY", False)[0] == "yellow"
    assert strip_colour("INT", "NIGHT", True)[0] == "blue"
    assert strip_colour("EXT", "NIGHT", True)[0] == "green"
    assert strip_colour("INT/EXT", "DUSK", False)[0] == "pink"


def test_day_out_of_days_codes():
    assert dood_rows({"A": {0, 3}, "B": {2}, "C": {1, 2}}, 5) == {
        "A": ["SW", "H", "H", "WF", ""], "B": ["", "", "SWF", "", ""], "C": ["", "SW", "WF", "", ""]}
    assert dood_rows({"A": {0, 3}}, 5, drop_after=2)["A"] == ["SW", "D", "D", "WF", ""]


@pytest.mark.slow
def test_cli_breakdown_writes_the_files_and_bad_input_exits_2(tmp_path, capsys):
    write_tiny_project(tmp_path, FOUNTAIN, "ep001.fountain")
    assert main(["breakdown", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "4 scenes in 1 episode(s)" in out and (tmp_path / "build" / "breakdown" / "breakdown.pdf").is_file()
    (tmp_path / "breakdown.yaml").write_text("scenes:\n  - id: ep001-s01\n    episode: one\n", encoding="utf-8")
    assert main(["breakdown", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "breakdown.yaml:3:" in err and "episode" in err


CYBER_BOB = Path(__file__).resolve().parents[2] / "shared" / "scripts" / "cyber_bob_ep00001.fountain"
if not CYBER_BOB.exists():
    CYBER_BOB = Path("/work/shared/scripts/cyber_bob_ep00001.fountain")


@pytest.mark.skipif(not CYBER_BOB.exists(), reason="the real script ../shared/scripts/cyber_bob_ep00001.fountain "
                    "is not on this machine")
def test_cyber_bob_breaks_down_sensibly(tmp_path):
    write_tiny_project(tmp_path, "", "placeholder.md")
    (tmp_path / "scripts" / "placeholder.md").unlink()
    shutil.copy(CYBER_BOB, tmp_path / "scripts" / "ep001.fountain")
    b = update_breakdown(Project.load(tmp_path)).breakdown
    first = b.scenes[0]
    assert first.int_ext == "EXT" and first.set == "PARK" and not first.night
    cast = {c.name for s in b.scenes for c in s.cast}
    assert {"BOB", "MARGARET", "BOSS"} <= cast
    assert not {"CYBER BOB", "CYBER BOSS"} & cast  # the script's two names for one person are one
    assert "DOG" not in cast and any("dog" in a for a in first.animals)  # the barking dog is an animal
    props = {p.name for s in b.scenes for p in s.props}
    assert "leash" in props and "smart phone" in props
    assert all(s.frames > 0 and s.eighths for s in b.scenes)


def test_scene_costume_dresses_drawn_characters_and_names_itself_in_picture_prompts(tmp_path):
    b = update_breakdown(_project(tmp_path, FOUNTAIN, "ep001.fountain")).breakdown
    project = Project.load(tmp_path)
    wardrobe = b.wardrobe(1)
    assert wardrobe[1]["MAYA"].colour == "#c62828" and wardrobe[3]["MAYA"].wears == "navy suit"
    shot = Shot(id="s01-d01", scene=1, size="MCU", subjects=["MAYA"], speaker="MAYA", location="KITCHEN")
    settings = project.settings
    assert "MAYA, wearing red sweater" in shot_prompt(shot, project.bible, settings, wardrobe[1]).replace("Maya",
                                                                                                         "MAYA")
    later = shot.model_copy(update={"scene": 3})
    assert "wearing navy suit" in shot_prompt(later, project.bible, settings, wardrobe[3])
    # the drawn still: MAYA's clothes take the scene's costume colour
    red = subject_looks(project.bible, ["MAYA"], wardrobe[1])
    navy = subject_looks(project.bible, ["MAYA"], wardrobe[3])
    assert red["MAYA"]["options"]["clothesColor"] == "c62828" and navy["MAYA"]["options"]["clothesColor"] == "1f2f4f"

    def share(looks, colour):
        still = ComicImages().still(shot, {k: Look.model_validate(v) for k, v in looks.items()}, 216, 384)
        target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        return float((np.abs(still.astype(int) - target).sum(axis=2) < 40).mean())

    assert share(red, "#c62828") > 0.02 and share(navy, "#c62828") < 0.002
    assert share(navy, "#1f2f4f") > 0.02


DOC = Path(__file__).resolve().parents[1] / "docs" / "breakdown.md"


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


@pytest.mark.slow
def test_docs_walkthrough_runs(tmp_path, monkeypatch, capsys):
    """docs/breakdown.md: its script, its edit and its schedule.yaml, and every command it shows."""
    text = DOC.read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    commands = [shlex.split(line) for block in _blocks(text, "sh") for line in block.splitlines()
                if line.startswith("reelwright ")]
    assert [c[1] for c in commands] == ["new", "breakdown", "breakdown", "schedule"]
    assert main(commands[0][1:]) == 0
    (tmp_path / "my-series" / "scripts" / "ep001.fountain").write_text(_blocks(text, "fountain")[0],
                                                                       encoding="utf-8")
    assert main([*commands[1][1:], "--quiet"]) == 0
    edit, schedule_yaml = _blocks(text, "yaml")
    path = tmp_path / "my-series" / "breakdown.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for change in yaml.safe_load(edit):
        scene = next(s for s in data["scenes"] if s["id"] == change["id"])
        scene.update(change)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert main([*commands[2][1:], "--quiet"]) == 0  # no continuity conflicts
    b = load_document(path, Breakdown)
    assert _scene(b, "ep001-s03").location == "Unit 4 studio"  # the edit is kept
    (tmp_path / "my-series" / "schedule.yaml").write_text(schedule_yaml, encoding="utf-8")
    capsys.readouterr()
    assert main([*commands[3][1:], "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "validator: no violations" in out
    folder = tmp_path / "my-series" / "build" / "schedule"
    for name in ("schedule.csv", "stripboard.html", "schedule.ics", "dood.csv", "summary.json"):
        assert (folder / name).is_file()
    rows = list(csv.DictReader((folder / "schedule.csv").open(encoding="utf-8")))
    victor = next(r for r in rows if r["scene"] == "ep001-s03")
    assert victor["date"] == "2027-03-02"  # VICTOR starts on the 2nd and is away on the 3rd
    assert all(r["date"] <= "2027-03-02" for r in rows if "LEO" in r["cast"].split(";"))


@pytest.mark.slow
def test_text_provider_helps_only_with_what_the_scene_says_and_is_cached(tmp_path):
    """--provider asks a model (a scripted server on 127.0.0.1) for what the vocabulary missed; answers naming
    things the scene does not say are dropped, and a re-run asks nothing."""
    answer = {"props": ["kettle", "spaceship"], "set_dressing": [], "vehicles": [], "animals": [],
              "makeup": [], "sfx": [], "stunts": ["flips the table"]}
    script = "INT. KITCHEN - DAY\n\nMAYA, 28, boils a kettle. She flips the table.\n\nMAYA\nEnough.\n"
    with ChatServer(scripted([Reply(chat(answer))])) as server:
        write_tiny_project(tmp_path, script, "ep001.fountain")
        with (tmp_path / "reelwright.toml").open("a", encoding="utf-8") as fh:
            fh.write(f'\n[providers.options.openai]\nbase_url = "{server.url}"\nmodel = "scripted"\n'
                     'api_key_env = ""\nretries = 0\n')
        assert main(["breakdown", str(tmp_path), "--provider", "openai", "--quiet"]) == 0
        assert len(server.requests) == 1
        sc = load_document(tmp_path / "breakdown.yaml", Breakdown).scenes[0]
        assert "kettle" in [p.name for p in sc.props] and "spaceship" not in [p.name for p in sc.props]
        assert "flips the table" in sc.stunts
        (tmp_path / "breakdown.yaml").unlink()
        assert main(["breakdown", str(tmp_path), "--provider", "openai", "--quiet"]) == 0
        assert len(server.requests) == 1  # cached by the scene's text


def test_scene_lengths_come_from_the_cut_when_the_episode_is_built(tmp_path):
    project = _project(tmp_path, FOUNTAIN, "ep001.fountain")
    fps = project.settings.video.fps
    shots = [TimelineShot(shot=Shot(id=f"s0{k}-x", scene=k), start=0, frames=n)
             for k, n in ((1, 40), (1, 20), (2, 33), (3, 45), (4, 12))]
    shots[1] = shots[1].model_copy(update={"fade_in": 5})
    save_document(Timeline(episode=1, fps=fps, shots=shots), tmp_path / "build" / "ep001.timeline.json")
    b = update_breakdown(Project.load(tmp_path)).breakdown
    assert [(s.frames, s.length_from) for s in b.scenes] == [(55, "cut"), (33, "cut"), (45, "cut"), (12, "cut")]
    # a script edited after the build: back to the estimate
    script = tmp_path / "scripts" / "ep001.fountain"
    script.write_text(FOUNTAIN + "\n", encoding="utf-8")
    future = (tmp_path / "build" / "ep001.timeline.json").stat().st_mtime + 10
    os.utime(script, (future, future))
    b = update_breakdown(Project.load(tmp_path)).breakdown
    assert {s.length_from for s in b.scenes} == {"estimate"}


def test_a_costume_edit_makes_its_episode_stale_and_other_edits_do_not(tmp_path):
    project = _project(tmp_path, FOUNTAIN, "ep001.fountain")
    update_breakdown(project)
    cache = Cache(project.cache_dir)
    before = fingerprint(project, 1, cache)["wardrobe"]
    path = tmp_path / "breakdown.yaml"
    b = load_document(path, Breakdown)
    _scene(b, "ep001-s01").location = "Stage 2"
    save_document(b, path)
    assert fingerprint(project, 1, cache)["wardrobe"] == before
    _scene(b, "ep001-s01").member("MAYA").colour = "#2e7d32"
    save_document(b, path)
    assert fingerprint(project, 1, cache)["wardrobe"] != before

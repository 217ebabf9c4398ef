"""The shooting schedule: CP-SAT on a small synthetic season (no violations), the independent validator,
explanations when no schedule exists, and the files the command writes (CSV, stripboard, call sheets,
.ics, day-out-of-days). Solver time limits stay small."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
from pathlib import Path

import pytest
import yaml
from icalendar import Calendar

from reelwright.cli import main
from reelwright.documents.base import save_document
from reelwright.documents.breakdown import Breakdown, CastEntry, SceneBreakdown
from reelwright.errors import InfeasibleError, InputError
from reelwright.production import schedule_project
from reelwright.production.constraints import ActorTerms, ScheduleSettings, load_constraints, shoot_dates
from reelwright.production.diagnosis import diagnose, precheck
from reelwright.production.schedule import make_plan, solve
from reelwright.production.synthetic import synthetic_season
from reelwright.production.validator import company_moves, metrics, paid_days, validate
from tests.helpers import write_tiny_project

START = dt.date(2027, 3, 1)
ROOT = Path(__file__).resolve().parents[1]


def _scene(sid: str, location: str, cast: list[str], seconds: float, *, night: bool = False, ext: bool = False,
           fps: int = 30) -> SceneBreakdown:
    ep, sc = int(sid[2:5]), int(sid[-2:])
    return SceneBreakdown(id=sid, episode=ep, scene=sc, set=location, location=location,
                          int_ext="EXT" if ext else "INT", time_of_day="NIGHT" if night else "DAY", night=night,
                          cast=[CastEntry(name=n) for n in cast], frames=round(seconds * fps))


@pytest.mark.slow
def test_small_synthetic_season_schedules_without_violations():
    b, settings = synthetic_season(episodes=10, cast=10, locations=8, days=8)
    plan = make_plan(b, 8, settings, START)
    schedule = solve(plan, time_limit=8, workers=2)
    assert schedule is not None
    assignment = schedule.assignment
    assert sorted(assignment) == sorted(s.id for s in b.scenes)  # every scene exactly once
    assert validate(plan, assignment) == []
    ours = metrics(plan, assignment)  # how it compares with the baseline is the benchmark's job
    assert ours["shoot_days"] <= 8 and ours["paid_actor_days"] >= ours["worked_actor_days"]
    # the shooting order within a day keeps each location together
    for ids in schedule.days.values():
        locs = [next(s.location for s in plan.strips if s.id == i) for i in ids]
        assert len(locs) == len(set(locs)) + sum(1 for a, b2 in zip(locs, locs[1:]) if a == b2)


def test_validator_finds_every_broken_rule_without_the_solver():
    b = Breakdown(fps=30, scenes=[
        _scene("ep001-s01", "HOUSE", ["ANNA", "KID"], 300),
        _scene("ep001-s02", "PARK", ["ANNA"], 300, ext=True),
        _scene("ep001-s03", "HOUSE", ["BEN"], 60, night=True),
        _scene("ep001-s04", "HOUSE", ["BEN"], 60),
    ])
    settings = ScheduleSettings(screen_minutes_per_day=8, hours_per_day=12, child_hours=1,
                                actors={"ANNA": ActorTerms(available_until=START), "KID": ActorTerms(child=True)},
                                pinned={"ep001-s04": 3})
    plan = make_plan(b, 3, settings, START)
    bad = {"ep001-s01": 1, "ep001-s02": 1, "ep001-s03": 0}  # s04 missing
    names = {v.constraint for v in validate(plan, bad)}
    assert "once:ep001-s04" in names
    assert "capacity:screen:d2" in names  # 10 minutes on an 8-minute day
    assert "availability:ANNA:d2" in names
    assert "hours:KID:d2" in names
    assert "turnaround:d1-d2" in names  # night-only day 1, early call on day 2
    assert not any(n.startswith("cover") for n in names)  # day 2 has the interior s01
    names = {v.constraint for v in validate(plan, {"ep001-s01": 0, "ep001-s02": 2, "ep001-s03": 0,
                                                   "ep001-s04": 1})}
    assert "cover:d3" in names and "pin:ep001-s04" in names and "availability:ANNA:d3" in names
    assert company_moves(plan, {"ep001-s01": 0, "ep001-s02": 0, "ep001-s03": 1, "ep001-s04": 1}) == 1
    assert paid_days(plan, {"ep001-s01": 0, "ep001-s02": 2, "ep001-s03": 1, "ep001-s04": 1})["ANNA"] == (2, 3)


def test_no_schedule_explains_which_actor_days_and_scenes():
    # precheck: an actor with more scenes than their days hold; a scene whose cast are never free together
    b = Breakdown(fps=30, scenes=[_scene(f"ep001-s0{i}", "HOUSE", ["ANNA"], 400) for i in range(1, 4)]
                  + [_scene("ep002-s01", "CAFE", ["ANNA", "BEN"], 30)])
    settings = ScheduleSettings(screen_minutes_per_day=8,
                                actors={"ANNA": ActorTerms(available_from=START, available_until=START +
                                                           dt.timedelta(days=1)),
                                        "BEN": ActorTerms(available_from=START + dt.timedelta(days=3))})
    plan = make_plan(b, 5, settings, START)
    reasons = precheck(plan)
    text = "\n".join(map(str, reasons))
    assert "[availability:ANNA] ANNA is in 4 scenes" in text and "days 1–2 (Mar 01–Mar 02)" in text
    assert "scene ep002-s01 (CAFE) has no day" in text and "BEN is available on days 4–5" in text
    assert any("ep001-s01" in r.scenes for r in reasons)


def test_no_schedule_found_by_the_solver_is_explained_by_its_conflicting_constraints():
    # each pair of scenes overflows a day; ANNA and BEN share the first two days only: three scenes, two days
    b = Breakdown(fps=30, scenes=[_scene("ep001-s01", "HOUSE", ["ANNA"], 290),
                                  _scene("ep001-s02", "HOUSE", ["BEN"], 290),
                                  _scene("ep001-s03", "HOUSE", ["ANNA", "BEN"], 290)])
    two = {"available_from": START, "available_until": START + dt.timedelta(days=1)}
    settings = ScheduleSettings(screen_minutes_per_day=8, actors={"ANNA": ActorTerms(**two),
                                                                  "BEN": ActorTerms(**two)})
    plan = make_plan(b, 5, settings, START)
    assert precheck(plan) == []
    assert solve(plan, time_limit=5) is None
    reasons = diagnose(plan, seconds=5)
    groups = {r.constraint for r in reasons}
    assert groups & {"availability:ANNA", "availability:BEN"}
    text = "\n".join(map(str, reasons))
    assert "days 1–2" in text and "ep001-s03" in text
    assert any(r.fixes for r in reasons)  # dropping one of them alone makes a schedule possible


def test_constraints_file_errors_name_the_line(tmp_path):
    path = tmp_path / "schedule.yaml"
    path.write_text("screen_minutes_per_day: 10\nactors:\n  ANNA:\n    available_form: 2027-03-02\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_constraints(path)
    assert "schedule.yaml:4:" in str(exc.value) and "available_form" in str(exc.value)
    s = ScheduleSettings(shoot_weekdays=[0, 1, 2, 3, 4], days_off=[dt.date(2027, 3, 2)])
    assert shoot_dates(START, 3, s) == [dt.date(2027, 3, 1), dt.date(2027, 3, 3), dt.date(2027, 3, 4)]


def test_schedule_command_writes_csv_stripboard_call_sheets_calendar_and_dood(tmp_path, capsys):
    write_tiny_project(tmp_path, "", "notes.md")
    (tmp_path / "scripts" / "notes.md").unlink()
    b, settings = synthetic_season(episodes=4, cast=6, locations=5, days=4, fps=15)
    save_document(b, tmp_path / "breakdown.yaml")
    settings = settings.model_copy(update={"time_limit": 5.0})
    (tmp_path / "schedule.yaml").write_text(yaml.safe_dump(settings.model_dump(mode="json"), allow_unicode=True),
                                            encoding="utf-8")
    code = main(["schedule", str(tmp_path), "--days", "4", "--start", "2027-03-01", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "validator: no violations" in out
    folder = tmp_path / "build" / "schedule"
    with (folder / "schedule.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["day", "date", "episode", "scene", "location", "int_ext", "time_of_day", "cast", "seconds"]
    assert sorted(r[3] for r in rows[1:]) == sorted(s.id for s in b.scenes)
    first = rows[1]
    assert first[1] == f"2027-03-0{first[0]}" and ";" in "".join(r[7] for r in rows[1:])
    days = sorted({int(r[0]) for r in rows[1:]})
    html = (folder / "stripboard.html").read_text(encoding="utf-8")
    assert html.count("END OF DAY") == len(days) and html.count("<tr style=\"background:") == len(b.scenes)
    sheets = sorted((folder / "callsheets").glob("day*.html"))
    assert len(sheets) == len(days)
    sheet = sheets[0].read_text(encoding="utf-8")
    day_one = [r for r in rows[1:] if r[0] == str(days[0])]
    assert "general call" in sheet and all(r[3] in sheet for r in day_one)
    assert all(name in sheet for r in day_one for name in r[7].split(";")) and "<th>costume</th>" in sheet
    cal = Calendar.from_ical((folder / "schedule.ics").read_bytes())
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == len(days)
    assert events[0]["dtstart"].dt.date() == dt.date(2027, 3, days[0])
    with (folder / "dood.csv").open(encoding="utf-8") as fh:
        dood = list(csv.reader(fh))
    assert dood[0][0] == "cast" and dood[0][-4:] == ["work", "hold", "drop", "paid"] and dood[-1][0] == "TOTAL"
    codes = {c for row in dood[1:-1] for c in row[1:5]}
    assert codes <= {"", "SW", "W", "WF", "SWF", "H", "D"} and codes & {"SW", "SWF"}


def test_schedule_command_exits_2_with_the_reasons_when_there_is_no_schedule(tmp_path, capsys):
    write_tiny_project(tmp_path, "", "notes.md")
    (tmp_path / "scripts" / "notes.md").unlink()
    b = Breakdown(fps=30, scenes=[_scene("ep001-s01", "HOUSE", ["ANNA"], 400), _scene("ep001-s02", "HOUSE", ["ANNA"],
                                                                                         400)])
    save_document(b, tmp_path / "breakdown.yaml")
    (tmp_path / "schedule.yaml").write_text("screen_minutes_per_day: 8\nactors:\n  ANNA:\n"
                                            "    available_until: 2027-03-01\n", encoding="utf-8")
    assert main(["schedule", str(tmp_path), "--days", "3", "--start", "2027-03-01", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "no schedule" in err and "ANNA" in err and "day 1 (Mar 01)" in err and "schedule.yaml" in err
    with pytest.raises(InfeasibleError):
        schedule_project(tmp_path, days=3, start=START)


def test_benchmark_runs_small_and_reports_both_sides():
    spec = importlib.util.spec_from_file_location("bench_schedule", ROOT / "benchmarks" / "bench_schedule.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    r = bench.run(episodes=6, days=5, time_limit=4, workers=1, seed=3, cast=8, locations=6)
    assert r["scenes"] == 30 and r["solver"]["violations"] == 0
    assert {"company_moves", "paid_actor_days", "violations"} <= set(r["baseline"])
    assert r["solver"]["paid_actor_days_vs_baseline"] is not None

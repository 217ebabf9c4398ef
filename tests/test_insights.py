"""Insights on simulated viewers with planted effects: drops at the right shots, the effects' signs, the
false-positive rate on null data, the paywall where the best episode is known, and the report's files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from reelwright.cli import main
from reelwright.documents.base import save_document
from reelwright.documents.season import Beat, EpisodePlan, Season
from reelwright.insights import run_insights
from reelwright.insights.craft import MIN_EPISODES, relate
from reelwright.insights.findings import Findings, schema_json
from reelwright.insights.metrics import EpisodeNumbers, SeasonMetrics
from reelwright.insights.funnel import paywall_of
from reelwright.insights.retention import DROP_FALSE_POSITIVE_RATE, DropRule, find_drops
from tests.helpers import TWO_SCENE_SCRIPT, write_tiny_project
from tests.insights_sim import (Viewers, curve, hazards, make_timeline, simulated_season, write_rows_csv,
                                write_timeline)

SEEDS = 200
TOLERANCE = 0.03  # ~2 binomial standard errors of a rate near 5 % over 200 seeds


def _null_viewers(rng: np.random.Generator) -> Viewers:
    return Viewers(base=rng.uniform(0.003, 0.012), early=rng.uniform(0.02, 0.1), early_tau=rng.uniform(1, 4))


@pytest.mark.parametrize("plays_known", [True, False])
def test_false_drops_on_null_curves_stay_within_the_stated_rate(plays_known):
    hits = 0
    for seed in range(SEEDS):
        rng = np.random.default_rng(seed)
        viewers = int(rng.choice([2000, 5000, 20000, 100000]))
        c = curve(hazards(int(rng.integers(40, 120)), _null_viewers(rng)), viewers, rng)
        drops, _ = find_drops(c, DropRule(), viewers=viewers if plays_known else None)
        hits += bool(drops)
    rate = hits / SEEDS
    print(f"measured false-drop rate per episode (plays {'known' if plays_known else 'unknown'}): {rate:.3f}")
    assert rate <= DROP_FALSE_POSITIVE_RATE + TOLERANCE


def test_planted_drops_are_found_at_their_second_over_many_seeds():
    found = 0
    for seed in range(100):
        rng = np.random.default_rng(1000 + seed)
        at = int(rng.integers(6, 55))
        v = _null_viewers(rng)
        v.drops = {at: 0.03}
        c = curve(hazards(60, v), 5000, rng)
        drops, _ = find_drops(c, DropRule(), viewers=5000)
        found += any(d.second == at for d in drops)
    assert found >= 95


def _season_project(tmp_path):
    return write_tiny_project(tmp_path / "proj", TWO_SCENE_SCRIPT)


@pytest.mark.slow
def test_drops_are_named_by_shot_line_speaker_and_turn(tmp_path):
    root = _season_project(tmp_path)
    shots = [("hook", 1.0, "CU"), ("s01-wide", 3.0, "WS"), ("s01-d01", 4.0, "MCU"), ("s01-d02", 4.0, "CU"),
             ("s02-wide", 3.0, "EWS"), ("s02-d03", 5.0, "MS"), ("s02-d04", 5.0, "CU"), ("s02-r01", 3.0, "CU"),
             ("s03-d05", 6.0, "MCU"), ("s03-d06", 6.0, "CU"), ("s03-end", 5.0, "ECU")]
    lines = [(4.2, 3.0, "MAYA", "He said he would never come back."), (8.2, 3.5, "LEO", "Then who is at the door?"),
             (15.2, 4.5, "MAYA", "I burned the letter."), (20.2, 4.0, "LEO", "You kept a copy."),
             (28.2, 5.0, "MAYA", "Open it."), (34.2, 5.0, "LEO", "It is your name.")]
    timeline = make_timeline(1, shots, lines, turns=[0.0, 24.0, 34.0])
    write_timeline(root, timeline)
    # planted: viewers leave in the first second of shot s02-d03 (starts at 15 s) and of s03-d05 (at 28 s)
    rng = np.random.default_rng(7)
    v = Viewers(drops={15: 0.05, 28: 0.04})
    c = curve(hazards(45, v, first_line=4.2, turns=[0.0, 24.0, 34.0]), 20000, rng)
    csv = write_rows_csv(tmp_path / "curve.csv", ["episode", "second", "retention"],
                         [[1, s, f"{r * 100:.2f}%"] for s, r in enumerate(c)])
    eps = write_rows_csv(tmp_path / "eps.csv", ["episode", "plays", "next_episode_rate", "unlock_rate"],
                         [[1, 20000, 0.75, 0.08], [2, 15000, 0.8, 0.1], [3, 12000, 0.8, ""]])
    beats = [Beat(kind="hook", start=0, end=3), Beat(kind="turn", start=14, end=17),
             Beat(kind="cliffhanger", start=35, end=45)]
    season = Season(episode_count=3, paywall_after=1, episodes=[EpisodePlan(number=1, act="setup", beats=beats)])
    save_document(season, root / "season.yaml")
    result = run_insights(root, [csv, eps], tmp_path / "out")
    ep1 = result.findings.episode(1)
    assert ep1.built and [d.shot for d in ep1.drops] == ["s02-d03", "s03-d05"]
    first, second = ep1.drops
    assert (first.second, first.size, first.speaker, first.line) == (15, "MS", "MAYA", "I burned the letter.")
    assert first.seconds_since_turn == pytest.approx(15.5)
    assert second.seconds_since_turn == pytest.approx(4.5) and second.line == "Open it."
    assert 0.03 < first.lost < 0.06
    assert not first.in_opening and not first.in_cliffhanger and first.beat == "turn" and second.beat is None
    assert ep1.first_line == pytest.approx(4.2) and ep1.hook == 0.0
    assert ep1.retention_3s == pytest.approx(c[3])
    assert not result.findings.episode(2).built
    assert any("episode 2 is not built" in n for n in result.findings.episode(2).notes)
    pw = result.findings.paywall  # season.yaml's wall after 1: 1000 x 0.08 = 80 payers; after 2: 750 x 0.1 = 75
    assert (pw.planned_after, pw.recommended_after, pw.payers_planned) == (1, 1, 80.0)
    turn = [s for s in result.findings.suggestions if s.kind == "turn"]
    assert turn and "s02-d03" in turn[0].text and "15.5 s after the last turn" in turn[0].text


def _write_season(tmp_path, curves, rows):
    a = write_rows_csv(tmp_path / "curves.csv", ["集数", "秒", "留存率"], curves)
    b = write_rows_csv(tmp_path / "eps.csv", ["集数", "播放量", "完播率", "追剧率"], rows)
    return [a, b]


@pytest.mark.slow
def test_planted_craft_effects_are_recovered_with_their_signs(tmp_path):
    root = _season_project(tmp_path)
    rng = np.random.default_rng(11)
    curves, rows = simulated_season(root, rng, 20, opening=0.04, stale=0.02)
    findings = run_insights(root, _write_season(tmp_path, curves, rows), tmp_path / "out", charts=False).findings
    rel = {(r.measure, r.outcome): r for r in findings.craft}
    opening = rel[("first_line", "retention_3s")]
    stale = rel[("turn_gap", "completion_rate")]
    assert opening.status == "effect" and opening.rho < 0 and opening.rho_high < 0 and opening.slope < 0
    assert stale.status == "effect" and stale.rho < 0 and stale.slope_high < 0
    # nothing was planted on the next-episode rate
    assert all(r.status != "effect" for r in findings.craft if r.outcome == "next_episode_rate")
    assert any(s.kind == "craft" and "3-s retention" in s.text for s in findings.suggestions)


def test_too_few_episodes_to_say(tmp_path):
    root = _season_project(tmp_path)
    rng = np.random.default_rng(3)
    curves, rows = simulated_season(root, rng, MIN_EPISODES - 1, opening=0.05, stale=0.03)
    findings = run_insights(root, _write_season(tmp_path, curves, rows), tmp_path / "out", charts=False).findings
    assert {r.status for r in findings.craft} == {"too few episodes"}
    assert any("too few episodes to say" in n for n in findings.notes)


@pytest.mark.slow
def test_false_craft_effects_on_null_seasons_stay_within_the_stated_rate():
    seasons_with_effect = 0
    for seed in range(SEEDS):
        rng = np.random.default_rng(5000 + seed)
        rows = []
        for _ in range(int(rng.integers(MIN_EPISODES, 25))):
            first_line = float(rng.uniform(0.5, 7.0))
            c = curve(hazards(60, _null_viewers(rng)), 4000, rng)  # viewers ignore the craft here
            rows.append({"first_line": first_line, "hook": float(rng.uniform(0, 3)),
                         "turn_gap": float(rng.choice([10.0, 15.0, 20.0, 30.0])), "asl": float(rng.uniform(1.5, 3)),
                         "close_up_share": float(rng.uniform(0.5, 0.8)), "length": float(rng.uniform(50, 90)),
                         "retention_3s": c[3], "retention_30s": c[30], "completion_rate": c[-1],
                         "next_episode_rate": float(rng.uniform(0.7, 0.9))})
        seasons_with_effect += any(r.status == "effect" for r in relate(rows))
    rate = seasons_with_effect / SEEDS
    print(f"measured rate of seasons with a false craft effect: {rate:.3f}")
    assert rate <= 0.05 + TOLERANCE


def _paywall_world(n: int = 20, strong: int = 8):
    """Continuation 0.94 (0.99 after the strong cliffhanger of episode ``strong``); of the viewers who would
    go on for free, w(k) = 0.02 + 0.05 ln k pay (more the more they have watched). Returns continuation, true
    unlock rates, and the best k."""
    cont = {k: (0.99 if k == strong else 0.94) for k in range(1, n + 1)}
    unlock = {k: cont[k] * (0.02 + 0.05 * math.log(k)) for k in range(1, n)}
    reach, payers = 1.0, {}
    for k in range(1, n):
        payers[k] = reach * unlock[k]
        reach *= cont[k]
    return cont, unlock, max(payers, key=payers.get)


def test_paywall_recommendation_finds_the_known_best_episode():
    cont, unlock, best = _paywall_world()
    assert best == 8  # the world is built so: a strong cliffhanger late enough for viewers to care
    rng = np.random.default_rng(2)
    plays, m = 200000.0, SeasonMetrics()
    for k in range(1, 21):
        m.episodes[k] = EpisodeNumbers(k, plays=round(plays), next_episode_rate=cont[k])
        plays = rng.binomial(int(plays), cont[k])
    for k in range(1, 20):  # every position measured (A/B walls)
        m.episodes[k].unlock_rate = unlock[k]
    pw = paywall_of(m, planned_after=10)
    assert pw.recommended_after == best and pw.planned_after == 10 and pw.gain > 0
    # the platform measured the unlock rate at three walls only: the model estimates the rest
    for k in range(1, 20):
        m.episodes[k].unlock_rate = unlock[k] if k in (5, 10, 15) else None
    pw = paywall_of(m, planned_after=10)
    assert pw.recommended_after == best
    cand = {c.after: c for c in pw.candidates}
    assert cand[8].unlock_estimated and not cand[10].unlock_estimated
    assert cand[8].unlock_rate == pytest.approx(unlock[8], rel=0.02)
    # without any unlock rate there is no recommendation, and the reason is given
    for k in range(1, 20):
        m.episodes[k].unlock_rate = None
    pw = paywall_of(m, planned_after=10)
    assert pw.recommended_after is None and any("unlock_rate" in n for n in pw.notes)


@pytest.mark.slow
def test_cli_json_report_and_charts(tmp_path, capsys):
    root = _season_project(tmp_path)
    rng = np.random.default_rng(5)
    curves, rows = simulated_season(root, rng, 4, opening=0.03, stale=0.01, viewers=20000)
    files = _write_season(tmp_path, curves, rows)
    code = main(["insights", str(root), "--metrics", *map(str, files), "--json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert [e["episode"] for e in data["episodes"]] == [1, 2, 3, 4]
    assert "drops" in data["episodes"][0] and "paywall" in data and "recommended_after" in data["paywall"]
    Findings.model_validate(data)
    out_dir = root / "build" / "insights"
    for name in ("report.html", "findings.json", "funnel.png", "craft.png", "ep001.retention.png"):
        assert (out_dir / name).stat().st_size > 1000, name
    from PIL import Image

    with Image.open(out_dir / "ep001.retention.png") as im:
        assert im.size == (1000, 520)
        px = np.asarray(im.convert("RGB"), dtype=np.int16)
        assert (np.abs(px - 255).sum(axis=2) > 60).mean() > 0.03  # something is drawn
    html = (out_dir / "report.html").read_text(encoding="utf-8")
    assert "ep001.retention.png" in html and "too few episodes to say" in html


def test_findings_schema_matches_the_golden_file():
    from pathlib import Path

    golden = Path(__file__).parent / "golden" / "insights.schema.json"
    assert golden.read_text(encoding="utf-8") == schema_json(), (
        "the findings schema changed: run python -m reelwright.insights.findings tests/golden/insights.schema.json")


def test_rank_correlation_and_theil_sen_agree_with_scipy():
    from scipy import stats

    from reelwright.insights.craft import _ranks, theil_sen

    rng = np.random.default_rng(0)
    for _ in range(20):
        x = np.round(rng.uniform(0, 5, 14))  # ties on purpose
        y = rng.normal(size=14) + 0.3 * x
        ref = stats.theilslopes(y, x, alpha=0.95)
        assert theil_sen(x, y) == pytest.approx((ref.slope, ref.low_slope, ref.high_slope))
        assert np.corrcoef(_ranks(x), _ranks(y))[0, 1] == pytest.approx(stats.spearmanr(x, y).statistic)

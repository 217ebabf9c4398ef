"""``build --draft``: half-size previews, kept apart from the full-quality build, never delivered."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reelwright.build.pipeline import build
from reelwright.deliver.package import DeliverReport, _Outputs, _video, deliver_project
from reelwright.errors import BuildError
from reelwright.media.video import is_draft, probe
from reelwright.project.cache import Cache
from reelwright.project.folder import Project
from tests.helpers import TWO_SCENE_SCRIPT


@pytest.mark.slow
def test_draft_is_half_size_apart_and_switching_back_costs_nothing(tiny_project):
    root = tiny_project(TWO_SCENE_SCRIPT)
    project = Project.load(root)
    draft = build(project, quiet=True, draft=True)
    video = root / "build" / "draft" / "ep001.mp4"
    assert draft.draft and draft.outputs[1]["video"] == str(video) and draft.checks == []
    info = probe(video)
    assert (info["video"]["width"], info["video"]["height"]) == (108, 192) and is_draft(video)
    assert not (root / "build" / "ep001.mp4").exists()  # nothing where deliverables are read from

    full = build(project, quiet=True)
    out = root / "build" / "ep001.mp4"
    assert full.work.get("render") and not is_draft(out)
    assert (probe(out)["video"]["width"], probe(out)["video"]["height"]) == (216, 384)
    # the same cut and sound: equal length, the very same mix
    assert abs(probe(out)["duration"] - probe(video)["duration"]) < 0.1
    lock = Cache(project.cache_dir, project.lock_path).lock.artifacts
    assert lock["draft/ep001/video"].key != lock["ep001/video"].key
    assert any(k.startswith("draft/ep001/shot/") for k in lock) and any(k.startswith("ep001/shot/") for k in lock)

    # switching back and forth renders nothing: each has its own cache entries
    assert build(project, quiet=True, draft=True).nothing_done
    assert build(project, quiet=True).nothing_done
    assert is_draft(video) and not is_draft(out)


@pytest.mark.slow
def test_deliver_never_takes_a_draft(tiny_project):
    root = tiny_project(TWO_SCENE_SCRIPT)
    project = Project.load(root)
    build(project, quiet=True, draft=True)
    report = deliver_project(project)  # builds at full quality itself: the draft is not used
    master = root / "build" / "deliver" / "ep001" / "ep001.master.mp4"
    assert master in report.written and not is_draft(master)
    assert (probe(master)["video"]["width"], probe(master)["video"]["height"]) == (216, 384)

    # handed draft segments, the delivery writer refuses them
    cache = Cache(project.cache_dir, project.lock_path)
    segments = [root / e.outputs[0] for k, e in cache.lock.artifacts.items() if k.startswith("draft/ep001/shot/")]
    assert segments and all(is_draft(s) for s in segments)
    folder = root / "build" / "deliver"
    with pytest.raises(BuildError, match="draft"):
        _video(_Outputs(cache, DeliverReport([1]), folder), folder / "x.master.mp4", segments, "k", lambda: None,
               48000, kind="master", episode=1, language=None, title="t")
    assert not (folder / "x.master.mp4").exists()


@pytest.mark.slow
def test_cli_build_draft_help():
    out = subprocess.run([sys.executable, "-m", "reelwright", "build", "--help"], capture_output=True, text=True,
                         check=True).stdout
    assert "--draft" in out and "build/draft/" in out

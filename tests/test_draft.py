"""JianYing and CapCut drafts, read back with a plain JSON parse (not the libraries that wrote them)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reelwright.documents.base import load_document
from reelwright.documents.timeline import Timeline
from reelwright.export import export_project, source_track
from reelwright.export.draft import PLACEHOLDER, DraftMedia, draft_available, write_draft
from reelwright.export.otio import marker_points
from reelwright.project.folder import Project

pytestmark = pytest.mark.slow

SCRIPT = """第1集：信

1-1 夜 内 厨房
人物：林晚、顾言
△林晚盯着信封，没有拆开。
林晚：（低声）他说过，他再也不会回来了。
顾言：（冷冷地）我骗了你。
林晚：（震惊）那你给我出去！

1-2 日 外 公园
△顾言在长椅边等着，看了看手机。
顾言：她会来的。她一向都会来。
【字幕：三天后】
"""


@pytest.fixture(scope="module")
def drafts(tmp_path_factory):
    for fmt in ("jianying", "capcut"):
        if draft_available(fmt):
            pytest.skip(draft_available(fmt))
    from tests.helpers import write_tiny_project

    root = write_tiny_project(tmp_path_factory.mktemp("draft") / "proj", SCRIPT, "ep001.txt", "zh")
    project = Project.load(root)
    report = export_project(project, "jianying,capcut")
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    return project, report, timeline


def _segments(content: dict, name: str) -> list[dict]:
    track = next(t for t in content["tracks"] if t["name"] == name)
    return track["segments"]


def _frames(us: int, fps: int) -> float:
    return us * fps / 1_000_000


@pytest.mark.parametrize("fmt", ["jianying", "capcut"])
def test_draft_reads_back_with_the_timelines_structure(drafts, fmt):
    project, report, tl = drafts
    folder = report.timelines[1][fmt]
    assert folder.parent == project.build_dir / "export" / fmt and folder.name == "Test ep001"
    content = json.loads((folder / "draft_content.json").read_text(encoding="utf-8"))
    meta = json.loads((folder / "draft_meta_info.json").read_text(encoding="utf-8"))
    assert meta["draft_name"] == "Test ep001" and meta["tm_duration"] == content["duration"]
    assert content["canvas_config"]["width"] == tl.width and content["canvas_config"]["height"] == tl.height
    assert content["fps"] == tl.fps
    kinds = sorted((t["type"], t["name"]) for t in content["tracks"])
    assert kinds == [("audio", "Dialogue"), ("audio", "M&E"), ("text", "Markers"), ("text", "Subtitles"),
                     ("video", "Picture")]
    fps = tl.fps

    # one video segment per shot, in order, durations exact to the frame
    videos = {m["id"]: m for m in content["materials"]["videos"]}
    picture = _segments(content, "Picture")
    assert len(picture) == len(tl.shots)
    for seg, ts in zip(picture, tl.shots):
        start, dur = seg["target_timerange"]["start"], seg["target_timerange"]["duration"]
        assert start == round(ts.start * 1_000_000 / fps)
        assert start + dur == round((ts.start + ts.frames) * 1_000_000 / fps)
        assert round(_frames(dur, fps)) == ts.frames and abs(_frames(dur, fps) - ts.frames) < 0.01
        assert videos[seg["material_id"]]["material_name"].endswith(f"_{ts.shot.id}.mp4") or \
            ts.shot.id.replace(".", "") in videos[seg["material_id"]]["material_name"]
    names = [videos[s["material_id"]]["material_name"] for s in picture]
    assert names == sorted(names)  # ep001_001_…, ep001_002_…: the shots' order
    assert sum(1 for ts in tl.shots[1:] if ts.fade_in) == len(content["materials"]["transitions"])

    # one text segment per subtitle cue, with its text and times
    texts = {m["id"]: json.loads(m["content"])["text"] for m in content["materials"]["texts"]}
    cues = source_track(project, tl)
    subs = _segments(content, "Subtitles")
    assert [texts[s["material_id"]] for s in subs] == [c.text for c in cues]
    assert "三天后" in [c.text for c in cues]
    for seg, cue in zip(subs, cues):
        assert seg["target_timerange"]["start"] == round(cue.start * 1_000_000 / fps)
        assert round(_frames(seg["target_timerange"]["duration"], fps)) == cue.end - cue.start

    # one audio segment per line on the dialogue track, the M&E stem over the whole episode
    audios = {m["id"]: m for m in content["materials"]["audios"]}
    dialogue = _segments(content, "Dialogue")
    assert len(dialogue) == len(tl.audio) == 4
    for seg, clip in zip(dialogue, tl.audio):
        assert seg["target_timerange"]["start"] == round(clip.start * 1_000_000 / tl.sample_rate)
        assert 0.05 < seg["volume"] < 10
        assert audios[seg["material_id"]]["name"].startswith(f"ep001_line{clip.line + 1:03d}_")
    (me,) = _segments(content, "M&E")
    assert me["target_timerange"]["duration"] == round(tl.frames * 1_000_000 / fps)
    assert 0.5 < me["volume"] < 2

    # markers: hidden named segments at the hook, turns and cliffhanger, and the draft's time marks
    marks = _segments(content, "Markers")
    assert marks and texts[marks[0]["material_id"]].startswith("HOOK")
    points = marker_points(tl)
    assert [s["target_timerange"]["start"] for s in marks] == [round(f * 1_000_000 / fps) for f, _, _ in points]
    assert [texts[s["material_id"]].split(":")[0] for s in marks] == [k.upper() for _, k, _ in points]
    assert any(k == "cliffhanger" for _, k, _ in points)
    assert len(content["time_marks"]["mark_items"]) == len(marks)
    hidden = [m for m in content["materials"]["texts"] if m["id"] in {s["material_id"] for s in marks}]
    assert len(hidden) == len(marks) and all(m["global_alpha"] == 0 for m in hidden)
    shown = [m for m in content["materials"]["texts"] if m["id"] in {s["material_id"] for s in subs}]
    assert all(m["global_alpha"] == 1 for m in shown)

    # every media path lies inside the draft folder and exists
    paths = [m["path"] for m in [*videos.values(), *audios.values()]]
    assert len(paths) == len(tl.shots) + len(tl.audio) + 1
    for p in paths:
        if fmt == "jianying":
            assert p.startswith(PLACEHOLDER + "/")
            path = folder / p[len(PLACEHOLDER) + 1:]
        else:
            path = Path(p)
        assert path.is_file() and folder.resolve() in path.resolve().parents, p


@pytest.mark.parametrize("fmt", ["jianying", "capcut"])
def test_dissolves_become_transitions_of_their_length(drafts, fmt, tmp_path):
    project, report, tl = drafts
    src = report.timelines[1][fmt] / "media"
    folder = tmp_path / "draft"
    shutil.copytree(src, folder / "media")
    shots = [ts.model_copy(update={"fade_in": 8 if i == 2 else 0}) for i, ts in enumerate(tl.shots)]
    files = sorted((folder / "media").glob("*.mp4"))
    lines = {c.line: next((folder / "media").glob(f"ep001_line{c.line + 1:03d}_*.wav")) for c in tl.audio}
    write_draft(fmt, tl.model_copy(update={"shots": shots}), DraftMedia(files, lines), folder, name="x")
    content = json.loads((folder / "draft_content.json").read_text(encoding="utf-8"))
    (transition,) = content["materials"]["transitions"]
    assert transition["duration"] == round(8 * 1_000_000 / tl.fps) and transition["name"] == "叠化"
    picture = _segments(content, "Picture")
    assert transition["id"] in picture[1]["extra_material_refs"]  # on the segment before the cut
    names = [t["name"] for t in content["tracks"]]
    assert "M&E" not in names and "Subtitles" not in names  # no stem, no cues given: no empty tracks
    assert "Dialogue" in names and "Markers" in names


def test_reexport_keeps_unchanged_media(drafts):
    project, _, _ = drafts
    again = export_project(project, "jianying")
    media = [p for p in again.kept if p.suffix in (".mp4", ".wav")]
    assert media and not [p for p in again.written if p.suffix in (".mp4", ".wav")]


def test_unknown_format_names_the_drafts(tmp_path):
    from reelwright.errors import InputError
    from tests.helpers import write_tiny_project

    root = write_tiny_project(tmp_path / "p", "第1集\n1-1 日 内 客厅\n林晚：你好。\n", "ep001.txt", "zh")
    with pytest.raises(InputError, match="jianying, capcut"):
        export_project(Project.load(root), "premiere")


def test_the_cli_writes_the_drafts_the_docs_name(drafts, capsys):
    from reelwright.cli import main

    project, _, _ = drafts
    assert main(["export", str(project.root), "--format", "jianying,capcut", "--quiet"]) == 0
    out = capsys.readouterr().out
    for fmt in ("jianying", "capcut"):
        folder = project.build_dir / "export" / fmt / "Test ep001"
        assert str(folder) in out and (folder / "draft_content.json").is_file()
    assert main(["export", str(project.root), "--format", "premiere"]) == 2
    assert "jianying, capcut" in capsys.readouterr().err

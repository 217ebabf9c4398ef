"""Editor timelines: OTIO read back with identical structure; FCP7 XML and EDL parsed independently."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

otio = pytest.importorskip("opentimelineio")

from reelwright.documents.base import load_document  # noqa: E402
from reelwright.documents.timeline import Timeline  # noqa: E402
from reelwright.export import export_project  # noqa: E402
from reelwright.export.otio import marker_points, timecode_rate  # noqa: E402
from reelwright.project.cache import Cache  # noqa: E402
from reelwright.project.folder import Project  # noqa: E402

SCRIPT = """Title: Export Test
Episode: 1

INT. KITCHEN - NIGHT

MAYA stares at the envelope. She does not open it.

MAYA
He said he would never come back.

LEO
(coldly)
I lied to you.

MAYA
(shocked)
Then get out of my kitchen!

EXT. PARK - DAY

LEO waits by the bench. He checks his phone.

LEO
She will come. She always does.
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from tests.helpers import write_tiny_project

    root = write_tiny_project(tmp_path_factory.mktemp("export") / "proj", SCRIPT)
    project = Project.load(root)
    report = export_project(project, ["otio", "fcp7", "fcpxml", "edl"])
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    return root, report, timeline


def _path(url: str, base: Path) -> Path:
    parsed = urlparse(url)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else base / url


@pytest.mark.slow
def test_otio_reads_back_with_the_timelines_structure(exported):
    root, report, timeline = exported
    path = report.timelines[1]["otio"]
    tl = otio.adapters.read_from_file(str(path))
    names = [t.name for t in tl.tracks]
    assert names == ["Picture", "Subtitles", "Dialogue", "M&E"]
    picture = tl.tracks[0]
    clips = list(picture.find_clips())
    assert len(clips) == len(timeline.shots)
    fps = timeline.fps
    for clip, ts in zip(clips, timeline.shots):
        assert clip.metadata["reelwright"]["shot"] == ts.shot.id  # order
        assert clip.source_range.duration.rescaled_to(fps).value == ts.frames  # durations
        rng = picture.range_of_child(clip)
        assert rng.start_time.rescaled_to(fps).value == ts.start
        media = _path(clip.media_reference.target_url, path.parent)
        assert media.is_file() and media.parent == root / "build" / "export" / "media" / "ep001"
        with __import__("av").open(str(media)) as c:  # the clip is that shot: same frame count and size
            v = c.streams.video[0]
            assert sum(1 for _ in c.decode(v)) == ts.frames
            assert (v.codec_context.width, v.codec_context.height) == (timeline.width, timeline.height)
    assert picture.duration().rescaled_to(fps).value == timeline.frames
    dialogue = tl.tracks[2]
    lines = list(dialogue.find_clips())
    assert len(lines) == len(timeline.audio)
    for clip, ac in zip(lines, timeline.audio):
        rng = dialogue.range_of_child(clip)
        assert rng.start_time.rescaled_to(timeline.sample_rate).value == ac.start  # sample-exact
        assert clip.duration().rescaled_to(timeline.sample_rate).value == ac.samples
        assert clip.metadata["reelwright"]["line"] == ac.line
        wav = _path(clip.media_reference.target_url, path.parent)
        from reelwright.media.audio import read_wav

        assert len(read_wav(wav).samples) == ac.samples
    me = list(tl.tracks[3].find_clips())
    assert len(me) == 1 and _path(me[0].media_reference.target_url, path.parent).is_file()
    subs = [c for c in tl.tracks[1].find_clips()]
    texts = [c.media_reference.parameters["text"] for c in subs]
    assert [c.text for c in timeline.cues] == [t for t, c in zip(texts, subs)
                                               if c.metadata["reelwright"]["kind"] == "dialogue"]
    # markers: hook, turns and the cliffhanger, where the timeline has them
    marks = [(picture.range_of_child(c).start_time.rescaled_to(fps).value
              + m.marked_range.start_time.rescaled_to(fps).value, m.name) for c in clips for m in c.markers]
    assert marks == [(f, k) for f, k, _ in marker_points(timeline)]
    assert {k for _, k in marks} >= {"hook", "cliffhanger"}


@pytest.mark.slow
def test_fcp7_xml_parses_independently(exported):
    root, report, timeline = exported
    tree = ET.parse(report.timelines[1]["fcp7"])
    seq = tree.getroot().find(".//sequence")
    assert seq is not None and int(seq.find("duration").text) * timeline.fps == timeline.frames * int(
        seq.find("rate/timebase").text)
    k = timecode_rate(timeline.fps) // timeline.fps
    tracks = seq.findall("./media/video/track")
    items = tracks[0].findall("clipitem")
    assert len(items) == len(timeline.shots)
    for item, ts in zip(items, timeline.shots):
        assert int(item.find("start").text) == ts.start * k
        assert int(item.find("end").text) - int(item.find("start").text) == ts.frames * k
        url = item.find("file/pathurl").text
        assert _path(url, root).is_file() and ts.shot.id.replace("-", "") in re.sub(r"[^A-Za-z0-9]", "", url)
    texts = [g.find("effect/parameter/value").text for g in tracks[1].findall("generatoritem")]
    dialogue_texts = [t for t in texts if t in {c.text for c in timeline.cues}]
    assert dialogue_texts == [c.text for c in timeline.cues]  # every subtitle, in order, as a Text generator
    audio = seq.findall("./media/audio/track")
    assert len(audio[0].findall("clipitem")) == len(timeline.audio)
    assert sum(len(i.findall("marker")) for i in items) == len(marker_points(timeline))


@pytest.mark.slow
def test_edl_parses_independently(exported):
    root, report, timeline = exported
    text = Path(report.timelines[1]["edl"]).read_text()
    events = re.findall(r"^(\d{3})\s+(\S+)\s+V\s+C\s+(\S+) (\S+) (\S+) (\S+)$", text, re.M)
    assert len(events) == len(timeline.shots)
    rate = timecode_rate(timeline.fps)

    def frames(tc: str) -> int:
        h, m, s, f = map(int, tc.split(":"))
        return ((h * 60 + m) * 60 + s) * rate + f

    k = rate // timeline.fps
    for (num, _reel, src_in, src_out, rec_in, rec_out), ts in zip(events, timeline.shots):
        assert frames(src_out) - frames(src_in) == ts.frames * k
        assert frames(rec_in) == ts.start * k and frames(rec_out) == (ts.start + ts.frames) * k
    clips = re.findall(r"^\* FROM CLIP: (.+)$", text, re.M)
    assert len(clips) == len(timeline.shots) and all(_path(c, root).is_file() for c in clips)
    assert len(re.findall(r"^\* LOC: ", text, re.M)) == len(marker_points(timeline))
    assert (Path(report.timelines[1]["srt"])).is_file()  # the subtitles beside the EDL


@pytest.mark.slow
def test_reexport_changes_nothing_when_nothing_changed(exported):
    root, report, _ = exported
    project = Project.load(root)
    cache = Cache(project.cache_dir, project.lock_path)
    again = export_project(project, ["otio", "edl"], cache=cache)
    assert not again.written, again.written
    assert not any(cache.work.values()), cache.work


@pytest.mark.slow
def test_unknown_format_is_an_input_error(exported):
    from reelwright.errors import InputError

    root, _, _ = exported
    with pytest.raises(InputError, match="unknown export format"):
        export_project(Project.load(root), "aaf")


def test_timecode_rate_for_odd_frame_rates():
    assert timecode_rate(30) == 30 and timecode_rate(25) == 25 and timecode_rate(15) == 30 and timecode_rate(12) == 24

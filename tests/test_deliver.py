"""The delivery package: every file in the manifest with a matching checksum, probed specs, incremental re-runs."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest

from reelwright.deliver.package import MANIFEST, deliver_project, strongest_close_up
from reelwright.documents.base import load_document
from reelwright.documents.timeline import Timeline
from reelwright.project.cache import Cache
from reelwright.project.folder import Project
from tests.chat_server import ChatServer
from tests.helpers import EN, ZH, FakeTranslator, openai_text_settings


@pytest.fixture(scope="module")
def server():
    with ChatServer(FakeTranslator()) as s:
        yield s


@pytest.fixture(scope="module")
def delivered(tmp_path_factory, server):
    from tests.helpers import TINY_TOML

    root = tmp_path_factory.mktemp("deliver") / "proj"
    (root / "scripts").mkdir(parents=True)
    toml = TINY_TOML.format(lang="en") + '\n[delivery]\nlanguages = ["en", "zh", "es"]\ncard = "网络剧片发行许可证 (2026) 第001号"\n' \
        'card_seconds = 1.0\ncover_width = 270\n'
    (root / "reelwright.toml").write_text(toml, encoding="utf-8")
    openai_text_settings(root, server.url)
    (root / "scripts" / "ep001.fountain").write_text(EN, encoding="utf-8")
    (root / "scripts" / "ep002.txt").write_text(ZH, encoding="utf-8")
    report = deliver_project(Project.load(root))
    return root, report


def _manifest(root: Path) -> dict:
    return json.loads((root / "build" / "deliver" / MANIFEST).read_text(encoding="utf-8"))


@pytest.mark.slow
def test_package_is_complete_and_checksums_match(delivered):
    root, report = delivered
    m = _manifest(root)
    files = {f["path"]: f for f in m["files"]}
    for ep, own in ((1, "en"), (2, "zh")):
        tag = f"ep{ep:03d}"
        want = [f"{tag}.master.mp4", f"{tag}.subtitled.{own}.mp4", f"{tag}.dialogue.wav", f"{tag}.me.wav"]
        for lang in ("en", "zh", "es"):
            want += [f"{tag}.{lang}.{fmt}" for fmt in ("srt", "ass", "vtt")]
            want += [f"{tag}.cover.{lang}.9x16.png", f"{tag}.cover.{lang}.3x4.png"]
        for name in want:
            assert f"{tag}/{name}" in files, name
    for path, entry in files.items():
        data = (root / "build" / "deliver" / path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], path
        assert len(data) == entry["bytes"]
    on_disk = {p.relative_to(root / "build" / "deliver").as_posix()
               for p in (root / "build" / "deliver").rglob("*") if p.is_file() and p.name != MANIFEST}
    assert on_disk == set(files)


@pytest.mark.slow
def test_master_is_clean_and_in_sync_with_stems_and_subtitles(delivered):
    import av

    root, _ = delivered
    m = {f["path"]: f for f in _manifest(root)["files"]}
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    card = 15  # card_seconds = 1.0 at 15 fps
    master = m["ep001/ep001.master.mp4"]
    assert master["spec"]["video"]["codec"] == "h264" and master["spec"]["video"]["profile"] == "High"
    assert master["spec"]["video"]["pix_fmt"] == "yuv420p" and master["spec"]["audio"]["codec"] == "aac"
    assert master["spec"]["video"]["frames"] == timeline.frames + card
    for stem in ("ep001/ep001.dialogue.wav", "ep001/ep001.me.wav"):
        assert abs(m[stem]["duration"] - (timeline.frames + card) / timeline.fps) < 0.01
    assert abs(m["ep001/ep001.subtitled.en.mp4"]["duration"] - master["duration"]) < 0.01
    # the master shows no subtitle where the subtitled version does
    cue = timeline.cues[1]
    frame = card + (cue.start + cue.end) // 2
    pics = {}
    for name in ("master", "subtitled.en"):
        with av.open(str(root / "build" / "deliver" / "ep001" / f"ep001.{name}.mp4")) as c:
            for i, f in enumerate(c.decode(video=0)):
                if i == frame:
                    pics[name] = f.to_ndarray(format="rgb24").astype(int)
                    break
    band = slice(int(timeline.height * 0.62), int(timeline.height * 0.80))
    diff = np.abs(pics["master"][band] - pics["subtitled.en"][band]).mean()
    assert diff > 3.0  # white text with a dark outline is there in one, not in the other
    top = slice(0, int(timeline.height * 0.5))
    assert np.abs(pics["master"][top] - pics["subtitled.en"][top]).mean() < 1.0
    # the subtitle files start after the opening card
    import pysubs2

    subs = pysubs2.load(str(root / "build" / "deliver" / "ep001" / "ep001.en.srt"))
    first = timeline.cues[0]
    assert abs(subs[0].start - (first.start + card) * 1000 / timeline.fps) <= 1


@pytest.mark.slow
def test_stems_add_up_to_the_mix(delivered):
    from reelwright.media.audio import loudness, read_wav
    from reelwright.media.video import decode_audio

    root, _ = delivered
    folder = root / "build" / "deliver" / "ep001"
    d = read_wav(folder / "ep001.dialogue.wav").samples
    me = read_wav(folder / "ep001.me.wav").samples
    mix, rate = decode_audio(folder / "ep001.master.mp4")
    n = min(len(mix), len(d))
    residual = mix[:n] - (d[:n] + me[:n])
    assert loudness(residual, rate) < loudness(mix[:n], rate) - 15  # what is left is codec noise and the limiter
    assert loudness(d, rate) > loudness(me, rate)


@pytest.mark.slow
def test_every_delivered_cue_keeps_the_rules(delivered):
    import pysubs2

    root, report = delivered
    assert not report.problems, report.problems
    for path in (root / "build" / "deliver").rglob("*.srt"):
        for ev in pysubs2.load(str(path)):
            text = ev.plaintext
            cjk = bool(re.search(r"[\u4e00-\u9fff]", text))
            lines = text.split("\n")
            assert len(lines) <= 2 and all(len(ln) <= (16 if cjk else 29) for ln in lines), (path.name, text)
            cps = len(text.replace("\n", "")) / ((ev.end - ev.start) / 1000)
            assert cps <= (9.0 if cjk else 17.0) + 0.35, (path.name, text, cps)


@pytest.mark.slow
def test_covers_from_the_strongest_close_up(delivered):
    from PIL import Image

    root, _ = delivered
    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    best = strongest_close_up(timeline)
    assert best.shot.size in ("ECU", "CU", "MCU") and best.shot.subjects
    m = {f["path"]: f for f in _manifest(root)["files"]}
    for lang in ("en", "zh"):
        tall = Image.open(root / "build" / "deliver" / "ep001" / f"ep001.cover.{lang}.9x16.png")
        wide = Image.open(root / "build" / "deliver" / "ep001" / f"ep001.cover.{lang}.3x4.png")
        assert tall.size == (270, 480) and wide.size == (270, 360)
        assert m[f"ep001/ep001.cover.{lang}.9x16.png"]["made_from"]["shot"] == best.shot.id
    en = np.asarray(Image.open(root / "build" / "deliver" / "ep001" / "ep001.cover.en.9x16.png")).astype(int)
    zh = np.asarray(Image.open(root / "build" / "deliver" / "ep001" / "ep001.cover.zh.9x16.png")).astype(int)
    assert np.abs(en - zh)[300:].mean() > 1.0 and np.abs(en - zh)[:200].mean() < 0.5  # only the title differs


@pytest.mark.slow
def test_rerun_changes_nothing_and_a_one_line_edit_updates_only_what_it_touches(delivered, server):
    root, _ = delivered
    before = {f["path"]: f["sha256"] for f in _manifest(root)["files"]}
    cache = Cache(root / "build" / "cache", root / "reelwright.lock")
    server.responder = fake = FakeTranslator()
    again = deliver_project(Project.load(root), cache=cache)
    assert not again.written and not any(cache.work.values()), (again.written, cache.work)
    assert fake.asked == []
    script = root / "scripts" / "ep001.fountain"
    script.write_text(script.read_text(encoding="utf-8").replace("I lied to you, Maya,", "I lied to you, Maya, twice,"))
    cache = Cache(root / "build" / "cache", root / "reelwright.lock")
    edit = deliver_project(Project.load(root), cache=cache)
    after = {f["path"]: f["sha256"] for f in _manifest(root)["files"]}
    changed = {p for p in after if after[p] != before.get(p)}
    assert changed and all(p.startswith("ep001/") for p in changed), changed  # episode 2 untouched
    assert not any("cover" in p for p in changed)  # the cover's shot did not change
    assert cache.work["voice"] == 1 and cache.work["render"] <= 8, cache.work
    assert [t for b in fake.asked for t in b] == ["I lied to you, Maya, twice, and I would do it again."] * 2
    assert {p.name for p in edit.kept} >= {"ep002.master.mp4", "ep002.subtitled.zh.mp4"}

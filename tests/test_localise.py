"""Localisation: glossary, validated translation through a scripted server on 127.0.0.1, subtitle rules, dubbing."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from reelwright.documents.base import load_document, save_document
from reelwright.documents.glossary import Glossary, Term, term_in
from reelwright.localise.job import localise_project
from reelwright.localise.tracks import GLOSSARY, parse_languages
from reelwright.localise.translate import Item, Translator, untranslated_problem
from reelwright.media.subtitles import (
    SubCue,
    SubtitleRules,
    cue_problems,
    layout_text,
    track_problems,
)
from reelwright.project.cache import Cache
from reelwright.project.folder import Project
from tests.chat_server import ChatServer
from tests.helpers import EN, ZH, FakeTranslator, openai_text_settings


@pytest.fixture(scope="module")
def project_root(tmp_path_factory):
    from tests.helpers import write_tiny_project

    root = write_tiny_project(tmp_path_factory.mktemp("loc") / "proj", EN)
    (root / "scripts" / "ep002.txt").write_text(ZH, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server():
    """One scripted server for the module (its URL is part of the translation cache keys)."""
    with ChatServer(FakeTranslator()) as s:
        yield s


@pytest.fixture(scope="module")
def localised(project_root, server):
    fake = server.responder = FakeTranslator()
    openai_text_settings(project_root, server.url)
    report = localise_project(Project.load(project_root), "en,zh,es", dub=True)
    return project_root, report, fake


# ---- rules -----------------------------------------------------------------------------------------

def test_layout_keeps_the_rules_when_there_is_time():
    rules = SubtitleRules(fps=30)
    text = "Then get out of my kitchen before I call the police, and never come back here again."
    cues = layout_text(text, 100, 160, 400, rules)
    assert len(cues) >= 2 and not track_problems(cues, rules)
    assert cues[0].start == 100 and cues[-1].end <= 400
    zh = "你姐姐，可没有失踪。她一直在等你回来，等了整整三年。"
    cues = layout_text(zh, 0, 60, 300, rules)
    assert not track_problems(cues, rules)
    assert all(len(ln) <= 16 for c in cues for ln in c.text.split("\n"))


def test_cue_problems_name_each_broken_rule():
    rules = SubtitleRules(fps=30)
    bad = SubCue(0, 15, "This line is far too long for a vertical frame\nsecond\nthird")
    problems = " ".join(cue_problems(bad, rules))
    assert "3 lines" in problems and "characters (at most 29)" in problems and "characters a second" in problems


def test_untranslated_text_is_caught():
    assert untranslated_problem("你姐姐，可没有失踪。", "Your sister 失踪.", "zh", "en")
    assert untranslated_problem("I lied to you.", "I lied to you.", "en", "zh")
    assert untranslated_problem("Then get out of my kitchen before", "Then get out of my cocina before", "en", "es")
    assert untranslated_problem("Then get out of my kitchen.", "Entonces sal de mi cocina.", "en", "es") is None
    assert untranslated_problem("林雪！", "Lin Xue!", "zh", "en", [("林雪", "Lin Xue")]) is None
    assert untranslated_problem("Maya!", "玛雅！", "en", "zh", [("Maya", "玛雅")]) is None
    assert untranslated_problem("He lied, Maya.", "他撒谎了，Maya。", "en", "zh", [("Maya", "玛雅")])


def test_parse_languages():
    assert parse_languages("en, zh,es,en") == ["en", "zh", "es"]
    with pytest.raises(ValueError, match="bad language"):
        parse_languages("english")


# ---- the translator against a scripted server ----------------------------------------------------

def _provider(url: str):
    from reelwright.providers.registry import get_provider

    return get_provider("text:openai", {"base_url": url, "model": "scripted", "api_key_env": "", "retries": 0})


@pytest.mark.parametrize("mode", ["count", "untranslated", "glossary"])
def test_bad_answers_are_retried_with_the_problems_spelled_out(tmp_path, mode):
    items = [Item(key=f"line:{i}", text=t, character="MAYA", budget=60, terms=[("Maya", "Maya")],
                  required=[("Maya", "Maya")] if "Maya" in t else [])
             for i, t in enumerate(["Maya, he lied to you.", "Then get out of my kitchen.", "She always does."])]
    fake = FakeTranslator(bad={0: mode})
    with ChatServer(fake) as server:
        tr = Translator(_provider(server.url), Cache(tmp_path / "cache"), retries=2)
        got = tr.translate(items, "en", "es")
        feedback = server.requests[1]["messages"][-1]["content"]
    assert len(got) == 3 and tr.stats.calls == 2
    assert "problems" in feedback
    assert {"count": "lines", "untranslated": "unchanged", "glossary": "must write Maya"}[mode] in feedback
    assert "Maya" in got["line:0"]


def test_cached_per_line_only_an_edited_line_is_asked_again(tmp_path):
    cache = Cache(tmp_path / "cache")
    texts = ["He said he would never come back.", "I lied to you.", "Then get out of my kitchen."]
    fake = FakeTranslator()
    with ChatServer(fake) as server:
        tr = Translator(_provider(server.url), cache)
        tr.translate([Item(key=f"l{i}", text=t, budget=60) for i, t in enumerate(texts)], "en", "zh")
        texts[1] = "I lied to you, and I would do it again."
        tr2 = Translator(_provider(server.url), cache)
        tr2.translate([Item(key=f"l{i}", text=t, budget=60) for i, t in enumerate(texts)], "en", "zh")
    assert len(fake.asked) == 2 and fake.asked[1] == [texts[1]]
    assert tr2.stats.cached == 2


def test_a_line_that_never_validates_names_itself(tmp_path):
    from reelwright.localise.translate import TranslationError

    fake = FakeTranslator(bad={n: "untranslated" for n in range(10)})
    with ChatServer(fake) as server:
        tr = Translator(_provider(server.url), Cache(tmp_path / "cache"), retries=1)
        with pytest.raises(TranslationError, match="glossary.yaml"):
            tr.translate([Item(key="line:0", text="I lied to you, and I would do it again.", budget=60)], "en", "es")


# ---- the whole command ---------------------------------------------------------------------------

@pytest.mark.slow
def test_every_cue_of_every_language_keeps_the_rules(localised):
    root, report, _ = localised
    import pysubs2

    assert set(report.languages) == {"en", "zh", "es"}
    assert not report.problems, report.problems
    checked = 0
    for (number, lang), track in report.tracks.items():
        rules = SubtitleRules(fps=15)
        assert not track_problems(track.cues, rules), (number, lang)
        srt = pysubs2.load(str(root / "build" / "localise" / lang / f"ep{number:03d}.srt"))
        assert len(srt) == len(track.cues)
        for ev in srt:
            lines = ev.plaintext.split("\n")
            cjk = bool(re.search(r"[\u4e00-\u9fff]", ev.plaintext))
            assert len(lines) <= 2
            assert all(len(ln) <= (16 if cjk else 29) for ln in lines), ev.plaintext
            chars = len(ev.plaintext.replace("\n", ""))
            assert chars / ((ev.end - ev.start) / 1000) <= (9.0 if cjk else 17.0) + 0.35, ev.plaintext  # ms rounding
            checked += 1
        for fmt in ("ass", "vtt"):
            assert len(pysubs2.load(str(root / "build" / "localise" / lang / f"ep{number:03d}.{fmt}"))) == len(srt)
    assert checked > 20
    # the Chinese episode's caption is translated too, and its cue sits at the top in the ASS
    en2 = report.tracks[(2, "en")]
    assert en2.captions and all(not re.search(r"[\u4e00-\u9fff]", t) for t in en2.captions.values())
    ass = (root / "build" / "localise" / "en" / "ep002.ass").read_text(encoding="utf-8")
    assert "Caption" in ass


@pytest.mark.slow
def test_glossary_from_the_bible_applied_everywhere(localised):
    root, report, _ = localised
    g = load_document(root / GLOSSARY, Glossary)
    maya = g.term("MAYA") or g.term("Maya")
    assert maya.kind == "character" and maya.translations["es"] == "Maya" and maya.translations["zh"]
    assert g.term("林晚").translations["en"] == "Lin Wan" and g.term("顾言").translations["es"] == "Gu Yan"
    zh_maya = maya.translations["zh"]
    leo_line = report.tracks[(1, "zh")].lines[1]  # "I lied to you, Maya, …"
    assert zh_maya in leo_line
    for lang in ("en", "es"):
        assert any("Lin Xue" in t for t in report.tracks[(2, lang)].lines.values())  # 林雪 → Lin Xue
    assert set(g.voices) == {"en", "zh", "es"} and "MAYA" in g.voices["es"]


@pytest.mark.slow
def test_user_glossary_edits_win_and_retranslate_only_what_they_touch(localised, project_root, server):
    root = project_root
    g = load_document(root / GLOSSARY, Glossary)
    maya = g.term("MAYA")
    maya.translations = {**maya.translations, "zh": "美雅"}
    g.terms.append(Term(source="She will come. She always does.", language="en", kind="phrase",
                        translations={"es": "Vendrá. Siempre viene."}))
    save_document(g, root / GLOSSARY)
    fake = server.responder = FakeTranslator()
    report = localise_project(Project.load(root), "zh,es", episodes="1")
    asked = [t for batch in fake.asked for t in batch]
    # the new phrase gets its missing zh rendering; then only the zh line naming Maya is translated again
    assert asked == ["She will come. She always does.", "I lied to you, Maya, and I would do it again."], asked
    assert "美雅" in report.tracks[(1, "zh")].lines[1]
    assert report.tracks[(1, "es")].lines[3] == "Vendrá. Siempre viene."
    assert load_document(root / GLOSSARY, Glossary).term("MAYA").translations["zh"] == "美雅"


def _settings_url(root: Path, url: str) -> None:
    toml = (root / "reelwright.toml").read_text(encoding="utf-8")
    toml = re.sub(r'base_url = "[^"]*"', f'base_url = "{url}"', toml)
    (root / "reelwright.toml").write_text(toml, encoding="utf-8")


def test_term_matching():
    assert term_in("Maya", "I lied to you, maya.") and not term_in("Maya", "Mayall")
    assert term_in("林雪", "我就是林雪。")


# ---- dubbing -----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_dubbed_episode_keeps_its_length_and_the_dialogue_is_audible(localised):
    from reelwright.documents.timeline import Timeline
    from reelwright.media.audio import loudness, read_wav
    from reelwright.media.stems import speech_over_bed_db
    from reelwright.media.video import decode_audio, probe

    root, report, _ = localised
    dub = report.dubs[(1, "es")]
    original = load_document(root / "build" / "ep001.timeline.json", Timeline)
    info = probe(dub.path)
    assert info["audio"]["codec"] == "aac" and info["video"]["codec"] == "h264"
    duration = info["video"]["frames"] / original.fps
    assert abs(duration - original.frames / original.fps) < 1.0, (duration, original.frames / original.fps)
    mix, rate = decode_audio(dub.path)
    me = read_wav(Path(dub.path).with_name("ep001.dub.me.wav")).samples
    tl = dub.timeline
    windows = [(c.start, c.start + c.samples) for c in tl.audio]
    ratios = speech_over_bed_db(mix, me, windows)
    assert len(ratios) == len(tl.audio) and min(ratios) >= 10.0, ratios  # every line stands well over the bed
    assert abs(loudness(mix, rate) - (-14.0)) <= 1.0
    dialogue = read_wav(Path(dub.path).with_name("ep001.dub.dialogue.wav")).samples
    assert loudness(dialogue, rate) > loudness(me, rate)  # the dialogue leads the mix
    assert (2, "zh") not in report.dubs  # an episode is not dubbed into its own language
    # the lips follow the dubbed lines, not the original ones
    from reelwright.media.frames import expand_runs

    spoken = [ts for ts in tl.shots if ts.mouth]
    assert spoken and any(a.mouth != b.mouth for a, b in zip(tl.shots, original.shots))
    windows = {c.line: (round(c.start * tl.fps / rate), -(-(c.start + c.samples) * tl.fps // rate)) for c in tl.audio}
    for ts in spoken:
        first, last = windows[ts.shot.line]
        opened = [ts.start + f for f, o in enumerate(expand_runs(ts.mouth, ts.frames)) if o]
        assert opened and first <= min(opened) and max(opened) <= last, (ts.shot.id, first, last, opened[:3])


@pytest.mark.slow
def test_a_one_line_edit_redubs_that_line_only(localised, project_root, server):
    fake = server.responder = FakeTranslator(long="Ella vendra siempre, siempre vendra aqui a buscarte de nuevo "
                                                  "esta noche, ya lo veras, ella siempre vuelve a este banco")
    script = project_root / "scripts" / "ep001.fountain"
    script.write_text(script.read_text(encoding="utf-8").replace("She will come. She always does.",
                                                                 "She will come back. She always does."))
    cache = Cache(project_root / "build" / "cache", project_root / "reelwright.lock")
    again = localise_project(Project.load(project_root), "es", episodes="1", dub=True, cache=cache)
    assert [t for b in fake.asked for t in b] == ["She will come back. She always does."]
    assert cache.work["voice"] == 1 and cache.work["dub-voice"] == 1 and cache.work["dub-fit"] <= 1, cache.work
    from reelwright.documents.timeline import Timeline

    original = load_document(project_root / "build" / "ep001.timeline.json", Timeline)
    result = again.dubs[(1, "es")]
    assert cache.work["render"] <= 6, cache.work  # the edited line's shots (build, clean and dub versions)
    assert abs(result.duration - original.frames / original.fps) < 1.0
    assert result.timeline.frames == original.frames + result.extended_frames


def test_dub_mouths_follow_the_dubbed_line():
    from reelwright.documents.storyboard import Shot
    from reelwright.documents.timeline import AudioClip, Timeline, TimelineShot
    from reelwright.localise.dub import dub_mouths

    shots = [TimelineShot(shot=Shot(id="a", scene=1, line=0, speaker="A", subjects=["A"]), start=0, frames=30,
                          mouth=[2, 20, 8]),
             TimelineShot(shot=Shot(id="b", scene=1, line=0, speaker="A", subjects=["B"]), start=30, frames=30),
             TimelineShot(shot=Shot(id="c", scene=1, line=0, speaker="A", subjects=["A"]), start=60, frames=30,
                          mouth=[0, 5, 25])]
    tl = Timeline(episode=1, fps=30, frames=90, shots=shots,
                  audio=[AudioClip(line=0, character="A", start=48000 * 10 // 30, samples=48000 * 60 // 30,
                                   key="k")])
    track = [False, True, True, False] * 15  # 60 frames of dubbed speech from frame 10
    out = dub_mouths(tl, {0: track})
    assert out.shots[0].mouth == [11, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1]  # frames 10-29: the dub's track
    assert out.shots[1].mouth == []  # the listener's shot stays closed
    assert sum(out.shots[2].mouth) == 30 and out.shots[2].mouth[:3] == [0, 1, 2]  # frames 60-69 go on with it


def test_insert_frames_moves_everything_after_the_point():
    from reelwright.documents.storyboard import Shot
    from reelwright.documents.timeline import (
        AudioClip,
        Cue,
        StingCue,
        Timeline,
        TimelineShot,
    )
    from reelwright.localise.dub import insert_frames

    shots = [TimelineShot(shot=Shot(id="a", scene=1), start=0, frames=30, mouth=[5, 10, 15]),
             TimelineShot(shot=Shot(id="b", scene=1), start=30, frames=30)]
    tl = Timeline(episode=1, fps=30, frames=60, shots=shots,
                  audio=[AudioClip(line=0, character="A", start=1600, samples=16000, key="k"),
                         AudioClip(line=1, character="B", start=48000 * 35 // 30, samples=8000, key="k2")],
                  cues=[Cue(start=1, end=20, text="x"), Cue(start=35, end=50, text="y")],
                  stings=[StingCue(frame=40)])
    out = insert_frames(tl, 25, 6)
    assert out.frames == 66 and [s.frames for s in out.shots] == [36, 30] and out.shots[1].start == 36
    assert sum(out.shots[0].mouth) == 36
    assert out.audio[0].start == 1600 and out.audio[1].start == 48000 * 35 // 30 + 6 * 1600
    assert out.cues[1].start == 41 and out.stings[0].frame == 46


def test_time_stretch_keeps_pitch_and_length():
    from reelwright.media.audio import pitch_hz
    from reelwright.media.stems import fit_length
    from reelwright.media.stretch import time_stretch

    sr = 48000
    t = np.arange(sr) / sr
    x = (0.4 * np.sin(2 * np.pi * 200 * t) * (0.7 + 0.3 * np.sin(2 * np.pi * 2 * t))).astype(np.float32)
    for n in (int(sr * 0.87), int(sr * 1.13)):
        y = time_stretch(x, n, sr)
        assert len(y) == n and abs(pitch_hz(y, sr) - 200) < 4
    assert fit_length(1100, 1000, 0.15) == 1000 and fit_length(1500, 1000, 0.15) == 1305
    assert fit_length(500, 1000, 0.15) == 588


def test_a_speaker_label_the_model_adds_is_removed():
    from reelwright.localise.translate import _unlabel

    item = Item(key="l", text="You told them I forged it.", character="MAYA", terms=[("MAYA", "玛雅")])
    assert _unlabel(" Maya 你告诉他们我伪造了它。".strip(), item) == "你告诉他们我伪造了它。"
    assert _unlabel("玛雅：你告诉他们我伪造了它。", item) == "你告诉他们我伪造了它。"
    named = Item(key="l", text="Maya, listen.", character="MAYA", terms=[("MAYA", "玛雅")])
    assert _unlabel("玛雅，听着。", named) == "玛雅，听着。"  # the name is part of the line
    # a line that does not name its speaker: the label is known from the glossary's rendering of the speaker
    bare = Item(key="l", text="Wait... what?!", character="AUDREY", speaker_as=["阿黛"])
    assert _unlabel("阿黛：（惊讶）等等？！", bare) == "等等？！"  # label and stage direction both go
    assert _unlabel("（满意）好。按你的方式来。", bare) == "好。按你的方式来。"
    aside = Item(key="l", text="(quietly) Go.", character="AUDREY")
    assert _unlabel("（小声）走。", aside) == "（小声）走。"  # the source has one: kept


def test_the_prompt_shows_no_placeholder_answer_to_copy(tmp_path):
    """A small model copied an example answer ({"1": "…"}) into every line on every try; the prompt says what
    to answer without one."""
    translator = Translator(object(), Cache(tmp_path))  # type: ignore[arg-type]
    items = [Item(key=f"line:{n}", text=f"Line {n}, Maya.", character="LEO") for n in (1, 2)]
    user = translator._messages(items, "en", "zh", "")[-1]["content"]
    assert "…" not in user and "keys 1 to 2, each value that line written in Simplified Chinese" in user


@pytest.mark.slow
def test_a_track_that_fails_does_not_stop_the_others(localised, project_root, server, monkeypatch):
    """One episode's line the model never translates: every other track is still made, then the command
    fails naming the one that was not."""
    from reelwright.localise import job
    from reelwright.localise.translate import TranslationError

    server.responder = FakeTranslator()  # a good translator (an earlier test leaves a long-winded one)
    real = job.localise_track

    def flaky(project, number, timeline, lang, *a, **kw):
        if number == 1 and lang == "es":
            raise TranslationError("no acceptable Spanish translation of line:2 'You lied.' after 4 tries")
        return real(project, number, timeline, lang, *a, **kw)

    monkeypatch.setattr(job, "localise_track", flaky)
    out = project_root / "build" / "localise"
    for f in (out / "zh" / "ep002.srt", out / "es" / "ep002.srt"):
        f.unlink(missing_ok=True)
    with pytest.raises(TranslationError, match=r"1 track\(s\) not localised \(3 made and kept\):\nep001 es: .*line:2"):
        localise_project(Project.load(project_root), "zh,es")
    assert (out / "zh" / "ep002.srt").is_file() and (out / "es" / "ep002.srt").is_file()


def test_a_dropped_vocative_name_and_an_echoed_length_note_are_repaired():
    from reelwright.localise.translate import _clean, _vocative

    assert _clean("(max 39 characters) 好的，按照你的方式去做") == "好的，按照你的方式去做"
    assert _vocative("Fine. Do it your way, Audrey.", "好的，按你的方式去做。", "Audrey", "阿黛", "zh") == \
        "好的，按你的方式去做，阿黛。"
    assert _vocative("Audrey, wait!", "等等！", "Audrey", "阿黛", "zh") == "阿黛，等等！"
    assert _vocative("Leo, listen.", "Escucha.", "Leo", "Leo", "es") == "Leo, Escucha."
    assert _vocative("I saw Audrey there.", "我在那里看到了她。", "Audrey", "阿黛", "zh") == "我在那里看到了她。"
    assert _vocative("Maya, he lied.", "Maria, él mintió.", "Maya", "Maya", "es") == "Maria, él mintió."  # wrong name
    assert _vocative("Go home, Maya.", "回家吧，玛丽。", "Maya", "玛雅", "zh") == "回家吧，玛丽。"  # asked again
    tr = Translator(object(), Cache(Path("/nonexistent")))  # type: ignore[arg-type]
    item = Item(key="line:8", text="Fine. Do it your way, Audrey.", character="VIVIAN", budget=39,
                terms=[("Audrey", "阿黛")], required=[("Audrey", "阿黛")])
    got, problems = tr._problems([item], {"1": "(max 39 characters) 好的，按照你的方式去做"}, tr._schema([item]), "en", "zh")
    assert problems == [] and got == {"line:8": "好的，按照你的方式去做，阿黛"}

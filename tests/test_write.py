"""The writing stage: plan structure in code, premise → bible + season → scripts against a real test server."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

try:  # tests/ is a package when it has an __init__.py, else a folder on sys.path
    from tests.chat_server import ChatServer, FakeWriter, Reply, chat
except ImportError:  # pragma: no cover
    from chat_server import ChatServer, FakeWriter, Reply, chat
from tests.helpers import writing_toml
from reelwright.cli import main
from reelwright.documents import Bible, Season, load_document
from reelwright.documents.bible import Character, Look
from reelwright.documents.lock import Lock
from reelwright.documents.script import Dialogue, Note
from reelwright.errors import ProviderError
from reelwright.project.folder import Project
from reelwright.screenplay import parse_script
from reelwright.writing.plan import (
    acts_for,
    beat_layout,
    element_times,
    estimate_seconds,
    plan_season,
)
from reelwright.writing.writer import (
    check_project_continuity,
    split_text,
    write_episodes,
    write_premise,
)

PREMISE = "A maid is forced into a contract marriage with a cold CEO who hides a secret."


def make_project(tmp_path: Path, url: str, lang: str = "en", episodes: int = 12) -> Path:
    root = tmp_path / "series"
    (root / "scripts").mkdir(parents=True)
    (root / "reelwright.toml").write_text(writing_toml(lang, url, episodes), encoding="utf-8")
    return root


def bible_of(n: int = 5) -> Bible:
    roles = ["protagonist", "love interest", "antagonist", "ally", "elder"]
    return Bible(characters=[Character(name=f"C{i}", role=roles[i], look=Look(seed=str(i))) for i in range(n)])


# ---- structure decided in code ----------------------------------------------------------------


@pytest.mark.parametrize("target", [30, 60, 90, 120, 180])
def test_beats_hook_turns_and_cliffhanger(target):
    beats = beat_layout(target)
    assert beats[0] == ("hook", 0, 3)
    assert beats[-1] == ("cliffhanger", target - 10, target)
    turns = [b for b in beats if b[0] == "turn"]
    assert turns and all(10 <= end - start <= 20 for _, start, end in turns)
    assert all(a[2] == b[1] for a, b in zip(beats, beats[1:]))  # contiguous


def test_arc_paywall_and_cliffhanger_strength():
    season = plan_season(bible_of(), episodes=30, target_seconds=60, paywall_after=10, language="en")
    acts = [e.act for e in season.episodes]
    assert acts[0] == "setup" and acts[-1] == "climax" and acts[14] == "midpoint" and acts.count("midpoint") == 1
    assert acts.index("escalation") < acts.index("midpoint") < len(acts) - 1 - acts[::-1].index("escalation")
    strengths = [e.cliffhanger_strength for e in season.episodes]
    assert [e.number for e in season.episodes if e.paywall] == [10]
    assert strengths[9] == 10 and strengths.count(10) == 1  # the paywall sits on the strongest cliffhanger
    assert strengths[0] < strengths[20]  # rising
    assert all(e.cast[0] == "C0" for e in season.episodes)  # the protagonist is in every episode
    assert all(set(b.speakers) == set(e.cast) for e in season.episodes for b in e.beats)
    assert [(a.name, a.first, a.last) for a in season.acts][:2] == [("setup", 1, 6), ("escalation", 7, 14)]
    short = plan_season(bible_of(), episodes=3, target_seconds=60, paywall_after=10, language="en")
    assert not any(e.paywall for e in short.episodes) and acts_for(3) == ["setup", "escalation", "climax"]


def test_exits_keep_characters_out_of_later_casts():
    first = plan_season(bible_of(), episodes=6, target_seconds=60, paywall_after=None, language="en")
    first.episodes[1].exits = ["C2"]
    again = plan_season(bible_of(), episodes=6, target_seconds=60, paywall_after=None, language="en", existing=first)
    assert all("C2" not in e.cast for e in again.episodes[2:])
    assert again.episodes[1].exits == ["C2"]


def test_split_text_keeps_paragraphs():
    text = "\n\n".join(f"Paragraph {i} " + "word " * 50 for i in range(10))
    chunks = split_text(text, 700)
    assert all(len(c) <= 700 for c in chunks) and len(chunks) >= 4
    assert "".join(chunks).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_answers_are_cleaned_and_repaired_in_code():
    from reelwright.writing.prompts import ask_beat, clean

    assert clean("She always has a purpose in", 27) == "She always has a purpose in"  # fits: kept
    assert clean("She always has a purpose in life", 27) == "She always has a purpose"  # whole words, no "…"
    assert clean('  "**Run** [[now]]"  ') == "Run now"
    assert clean("我发现了价值 secret", None, "en") == "secret"
    bible = bible_of(3)
    season = plan_season(bible, episodes=2, target_seconds=60, paywall_after=None, language="en")
    plan = season.episodes[0]
    ask = ask_beat(bible, season, plan, 1, 2, ["C0: You lied."], {"you lied."}, "en")
    answer = {"action": "She slams the door", "event": "A fight", "lines": [
        {"speaker": "C0", "emotion": "angry", "text": "C0: (shouting) You lied."},
        {"speaker": "C1", "emotion": "cold", "text": "I did, and I would again."}]}
    data, problems = ask.check(copy.deepcopy(answer), True)  # last try: the repeated line is dropped, the new one kept
    assert problems == [] and [ln["text"] for ln in data["lines"]] == ["I did, and I would again."]
    data, problems = ask.check(copy.deepcopy(answer), False)  # before that too: one line is all this beat needs
    assert problems == [] and [ln["text"] for ln in data["lines"]] == ["I did, and I would again."]
    three = ask_beat(bible, season, plan, 1, 3, ["C0: You lied."], {"you lied."}, "en")  # needs two at least
    _, problems = three.check(copy.deepcopy(answer), False)  # too few left: the repeat is given back as a reason
    assert any("already said" in p for p in problems)
    long = {**answer, "lines": [answer["lines"][1], {"speaker": "C0", "emotion": "sad", "text":
            "Then say it to my face. Say that you never loved me, that it was all for the money and the house."}]}
    data, problems = three.check(copy.deepcopy(long), False)  # a line too long keeps its first whole sentences
    assert problems == [] and data["lines"][1]["text"] == "Then say it to my face."
    only_repeats = {"action": "x y", "event": "y", "lines": [{"speaker": "C0", "emotion": "sad", "text": "You lied."}]}
    _, problems = ask.check(dict(only_repeats), True)  # nothing usable even on the last try: the fallback's turn
    assert any("already said" in p for p in problems)
    fallback = ask.fallback(problems)
    assert fallback["lines"] and all(ln["text"] != "You lied." for ln in fallback["lines"])


# ---- the whole flow against a real HTTP server on 127.0.0.1 -----------------------------------


def _beats_in_script(episode) -> list[tuple[str, float, float]]:
    """``(kind, start, end)`` of each beat as written: from its note to the next one, in estimated seconds."""
    times = element_times(episode)
    out = []
    for i, el in enumerate(episode.elements):
        if isinstance(el, Note):
            out.append([el.text.split()[0], times[i][0], times[i][1]])
        elif out:
            out[-1][2] = times[i][1]
    return [tuple(x) for x in out]


def test_premise_to_three_episodes_with_the_openai_provider(tmp_path):
    with ChatServer(FakeWriter()) as server:
        root = make_project(tmp_path, server.url)
        report = write_premise(root, PREMISE, quiet=True)
        assert {p.name for p in report.written} == {"bible.yaml", "season.yaml"}
        bible = load_document(root / "bible.yaml", Bible)
        assert bible.logline and bible.genre == "romance" and bible.tone  # "marriage" reads as a romance
        # the premise names nobody: the roles a romance needs are invented, nothing more
        assert [c.role for c in bible.characters] == ["protagonist", "love interest", "rival"]
        lead = bible.characters[0]
        assert lead.goals and lead.secrets and lead.wardrobe and len(lead.relationships) == 2
        assert len({c.name for c in bible.characters}) == 3 and len(bible.locations) >= 3 and bible.props
        season = load_document(root / "season.yaml", Season)
        assert season.episode_count == 12 and season.episode(10).paywall
        report = write_episodes(root, "1-3", quiet=True)
        assert [p.name for p in report.written] == ["ep001.fountain", "ep002.fountain", "ep003.fountain"]
        assert report.problems == []
        assert report.stats.first_try_share == 1.0 and report.stats.completion_tokens > 0
    project = Project.load(root)  # every script parses
    names = {c.name.casefold() for c in project.bible.characters}
    season = load_document(root / "season.yaml", Season)
    for n in (1, 2, 3):
        episode = project.episodes[n].episode
        speakers = {d.character.casefold() for d in episode.dialogue()}
        assert speakers and speakers <= names
        assert episode.title == season.episode(n).title
        beats = _beats_in_script(episode)
        plan = season.episode(n)
        assert [b[0] for b in beats] == [b.kind for b in plan.beats]
        total = estimate_seconds(episode)
        assert abs(total - season.target_seconds) <= 0.25 * season.target_seconds
        kind, start, end = beats[0]
        assert kind == "hook" and start < 3  # the hook is on screen within 3 seconds
        kind, start, end = beats[-1]
        assert kind == "cliffhanger" and end == total and total - start <= 15
        assert isinstance(episode.elements[-1], Dialogue)  # the episode ends on the cliffhanger line
        assert season.episode(n).summary  # the running summary carries on
    lock = load_document(root / "reelwright.lock", Lock)
    entry = lock.artifacts["scripts/ep002.fountain"]
    assert entry.stage == "write" and entry.provider == "text:openai" and entry.model == "fake-model"
    assert entry.seed == 0 and len(entry.inputs["prompt_hash"]) == 64
    assert lock.artifacts["bible.yaml"].inputs["prompt_hash"]


def test_story_so_far_reaches_later_episodes(tmp_path):
    writer = FakeWriter()
    with ChatServer(writer) as server:
        root = make_project(tmp_path, server.url, episodes=4)
        write_premise(root, PREMISE, quiet=True)
        write_episodes(root, "1-2", quiet=True)
        summary = load_document(root / "season.yaml", Season).episode(1).summary
        prompts = [r["messages"][1]["content"] for r in server.requests if "Episode 2 of" in r["messages"][1]["content"]]
    assert prompts and all(f"Ep 1: {summary}" in p for p in prompts)


@pytest.mark.slow
def test_rewriting_one_episode_leaves_the_others_alone(tmp_path):
    with ChatServer(FakeWriter()) as server:
        root = make_project(tmp_path, server.url)
        write_premise(root, PREMISE, quiet=True)
        write_episodes(root, "1-3", quiet=True)
        scripts = root / "scripts"
        before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in scripts.iterdir()}
        asked = len(server.requests)
        report = write_episodes(root, None, quiet=True)  # nothing missing among 1-3? 4-12 are missing
        assert len(report.written) == 9
        report = write_episodes(root, "1-3", quiet=True)  # same inputs: up to date, no model calls
        assert report.written == [] and set(report.skipped.values()) == {"up to date"}
        asked = len(server.requests)
        season = load_document(root / "season.yaml", Season)
        season.episode(3).beats[1].text = "Leo confesses he burned the contract."
        from reelwright.documents.base import save_document

        save_document(season, root / "season.yaml")
        report = write_episodes(root, "3", quiet=True)
        assert [p.name for p in report.written] == ["ep003.fountain"] and len(server.requests) > asked
        for name in ("ep001.fountain", "ep002.fountain"):
            p = scripts / name
            assert (p.read_bytes(), p.stat().st_mtime_ns) == before[name]
        assert (scripts / "ep003.fountain").read_bytes() != before["ep003.fountain"][0]
        # a hand-edited script is kept unless forced
        edited = scripts / "ep002.fountain"
        edited.write_text(edited.read_text(encoding="utf-8").replace("Line", "LINE"), encoding="utf-8")
        report = write_episodes(root, "2", quiet=True)
        assert report.written == [] and "edited by hand" in report.skipped["scripts/ep002.fountain"]
        report = write_episodes(root, "2", force=True, quiet=True)
        assert [p.name for p in report.written] == ["ep002.fountain"]


@pytest.mark.slow
def test_an_interrupted_season_resumes_where_it_stopped(tmp_path):
    down = Reply({"error": {"message": "server going down"}}, status=500)
    writer = FakeWriter(broken={n: down for n in range(13, 40)})
    with ChatServer(writer) as server:
        root = make_project(tmp_path, server.url)
        write_premise(root, PREMISE, quiet=True)  # 6 requests: people, series, 3 characters, places
        with pytest.raises(ProviderError, match="HTTP 500: server going down"):
            write_episodes(root, "1-3", quiet=True)  # episode 1 takes 6 answers, then the server fails
        assert (root / "scripts" / "ep001.fountain").exists() and not (root / "scripts" / "ep002.fountain").exists()
        ep1 = (root / "scripts" / "ep001.fountain").read_bytes()
        writer.broken = {}
        before = len(server.requests)
        report = write_episodes(root, None, quiet=True)
        assert "ep002.fountain" in [p.name for p in report.written]
        assert (root / "scripts" / "ep001.fountain").read_bytes() == ep1
        assert report.stats.cached >= 1  # the beat of episode 2 answered before the failure was not asked again
        assert len(server.requests) - before == report.stats.calls


def test_bad_answers_are_retried_and_counted(tmp_path):
    broken = {7: Reply(chat('{"title": "unclosed')), 8: Reply(chat({"title": 5}))}
    with ChatServer(FakeWriter(broken=broken)) as server:
        root = make_project(tmp_path, server.url)
        write_premise(root, PREMISE, quiet=True)
        report = write_episodes(root, "1", quiet=True)
        assert report.written and report.stats.retried == 1
        assert report.stats.first_try_valid == report.stats.asked - 1
        # the retry carried the problems back to the model
        assert "problems" in server.requests[8]["messages"][-1]["content"]
        assert "problems" in server.requests[9]["messages"][-1]["content"]


def test_chinese_project_writes_the_chinese_format(tmp_path):
    with ChatServer(FakeWriter()) as server:
        root = make_project(tmp_path, server.url, lang="zh")
        write_premise(root, "女佣被迫与冷酷总裁签下契约婚姻", quiet=True)
        write_episodes(root, "1-2", quiet=True)
    doc = parse_script(root / "scripts" / "ep001.txt")
    assert doc.format == "zh" and doc.episodes[0].number == 1
    bible = load_document(root / "bible.yaml", Bible)
    assert all(bible.character(d.character) for d in doc.episodes[0].dialogue())
    assert doc.episodes[0].scenes()[0].cast and doc.episodes[0].scenes()[0].number == "1-1"
    assert 45 <= estimate_seconds(doc.episodes[0]) <= 75


def test_from_file_takes_characters_from_the_source(tmp_path):
    novel = tmp_path / "novel.txt"
    novel.write_text("Anna cleans the mansion every night.\n\nBoris, the heir, watches her from the stairs.\n\n"
                     * 40, encoding="utf-8")
    with ChatServer(FakeWriter()) as server:
        root = make_project(tmp_path, server.url)
        assert main(["write", "premise", "--from-file", str(novel), str(root), "--quiet",
                     "--episodes-count", "5"]) == 0
        chunk_asks = [r for r in server.requests if "of a story:" in r["messages"][1]["content"]]
    bible = load_document(root / "bible.yaml", Bible)
    assert len(chunk_asks) >= 2
    assert [c.name for c in bible.characters[:2]] == ["Anna", "Boris"]
    assert load_document(root / "season.yaml", Season).episode_count == 5


def test_continuity_check_reports_what_it_can_detect(tmp_path, capsys):
    with ChatServer(FakeWriter()) as server:
        root = make_project(tmp_path, server.url, episodes=4)
        write_premise(root, PREMISE, quiet=True)
    bible = load_document(root / "bible.yaml", Bible)
    lead, love, villain = bible.characters[0], bible.characters[1], bible.characters[2]
    season = load_document(root / "season.yaml", Season)
    season.episode(1).exits = [villain.name]
    from reelwright.documents.base import save_document

    save_document(season, root / "season.yaml")
    (root / "scripts" / "ep002.fountain").write_text(
        f"INT. GRAND HOTEL LOBBY - DAY\n\n{lead.name} sees JASPER at the door.\n\n{villain.name.upper()}\nI'm back.\n\n"
        f"{lead.name.upper()}\nMy brother {love.name} will never forgive you.\n\nZED\nWho am I?\n", encoding="utf-8")
    problems = [str(p) for p in check_project_continuity(root)]
    text = "\n".join(problems)
    assert "unknown name 'JASPER'" in text and "unknown character 'ZED'" in text
    assert f"{villain.name} appears, but left the story in episode 1" in text
    assert f"calls {love.name} their 'brother'" in text and "love interest" in text
    assert all("ep002.fountain:" in p for p in problems)
    assert main(["write", "check", str(root)]) == 1
    assert "JASPER" in capsys.readouterr().out


def test_cli_write_and_models(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("REELWRIGHT_MODELS", str(tmp_path / "models"))
    with ChatServer(FakeWriter()) as server:
        root = make_project(tmp_path, server.url, episodes=3)
        assert main(["write", "premise", PREMISE, str(root), "--quiet"]) == 0
        assert main(["write", "episodes", str(root), "--episodes", "1", "--quiet"]) == 0
        out = capsys.readouterr().out
        assert "ep001.fountain" in out and "s)" in out
        assert main(["write", "episodes", str(root), "--episodes", "9", "--quiet"]) == 2
        assert "not in the season plan" in capsys.readouterr().err
    assert main(["write", "episodes", str(tmp_path / "nowhere"), "--quiet"]) == 2
    assert not (tmp_path / "nowhere").exists()
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "qwen2.5-coder-1.5b-instruct-q4_k_m" in out and "missing" in out and str(tmp_path / "models") in out
    (root / "reelwright.toml").write_text((root / "reelwright.toml").read_text().replace(
        'text = "openai"', 'text = "local"'), encoding="utf-8")
    assert main(["write", "episodes", str(root), "--episodes", "2", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "reelwright models install" in err or "llama-cpp-python" in err


# ---- the real default model, only where it is installed ----------------------------------------


def _default_model_ready() -> str | None:
    from reelwright.providers.local_model import DEFAULT_MODEL, find_model
    from reelwright.providers.text_local import llama_available

    if why := llama_available():
        return why
    if find_model(DEFAULT_MODEL) is None:
        return "the default writing model is not installed (reelwright models install)"
    if not os.environ.get("REELWRIGHT_TEST_LOCAL_MODEL"):
        return "set REELWRIGHT_TEST_LOCAL_MODEL=1 to write three episodes with the local model (minutes on 2 cores)"
    return None


@pytest.mark.slow
@pytest.mark.skipif(_default_model_ready() is not None, reason=str(_default_model_ready()))
def test_premise_to_three_episodes_with_the_local_default_model(tmp_path):
    root = tmp_path / "local"
    (root / "scripts").mkdir(parents=True)
    (root / "reelwright.toml").write_text('[project]\ntitle = "Local"\n[writing]\nepisodes = 3\ntarget_seconds = 30\n',
                                          encoding="utf-8")
    write_premise(root, PREMISE, quiet=True)
    report = write_episodes(root, "1-3", quiet=True)
    assert len(report.written) == 3 and report.problems == []
    project = Project.load(root)
    for n in (1, 2, 3):
        episode = project.episodes[n].episode
        assert all(project.bible.character(d.character) for d in episode.dialogue())
        assert [b[0] for b in _beats_in_script(episode)][0] == "hook"
        assert isinstance(episode.elements[-1], Dialogue)
    # … and the three scripts build to video with the rest of the pipeline (small frames: it is the writing
    # that is under test here)
    import av

    from reelwright.build.pipeline import build

    with open(root / "reelwright.toml", "a", encoding="utf-8") as fh:
        fh.write('[video]\nwidth = 216\nheight = 384\nfps = 15\npreset = "superfast"\n[render]\nworkers = 1\n')
    built = build(Project.load(root), quiet=True)
    assert sorted(built.outputs) == [1, 2, 3]
    for outs in built.outputs.values():
        with av.open(outs["video"]) as container:
            assert {s.type for s in container.streams} >= {"video", "audio"}
            assert float(container.duration) / av.time_base > 10


@pytest.mark.slow
def test_a_written_episode_builds_to_video(tmp_path):
    import av

    from reelwright.build.pipeline import build

    with ChatServer(FakeWriter()) as server:
        root = make_project(tmp_path, server.url, episodes=3)
        toml = root / "reelwright.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace("target_seconds = 60", "target_seconds = 20")
                        + '\n[video]\nwidth = 216\nheight = 384\nfps = 15\npreset = "superfast"\n\n'
                        "[render]\nworkers = 1\n", encoding="utf-8")
        write_premise(root, PREMISE, quiet=True)
        write_episodes(root, "1", quiet=True)
    project = Project.load(root)
    estimate = estimate_seconds(project.episodes[1].episode)
    report = build(project, quiet=True)
    video = Path(report.outputs[1]["video"])
    with av.open(str(video)) as container:
        seconds = float(container.duration) / av.time_base
        kinds = {s.type for s in container.streams}
    assert {"video", "audio"} <= kinds
    assert abs(seconds - estimate) <= 0.35 * estimate  # the writer's estimate follows the real cut


def test_an_over_long_outline_keeps_its_whole_sentences_without_asking_again():
    from reelwright.writing.prompts import ask_outline

    bible = bible_of(3)
    season = plan_season(bible, episodes=2, target_seconds=60, paywall_after=None, language="en")
    plan = season.episodes[0]
    ask = ask_outline(bible, season, plan, "en")
    first = "C0 finds the forged contract in her husband's desk and confronts him in front of the whole family."
    beats = [{"text": "C0 confronts C1."} for _ in plan.beats]
    second = "He laughs and walks out."
    synopsis = f"{first} {second} {first} {second}"
    assert len(synopsis) > 220 and 110 <= len(f"{first} {second}") <= 220 < len(f"{first} {second} {first}")
    data, problems = ask.check({"title": "The Contract", "synopsis": synopsis, "beats": beats}, False)
    assert problems == [] and data["synopsis"] == f"{first} {second}"  # the sentences that fit are kept
    _, problems = ask.check({"title": "The Contract", "synopsis": "No. " + "x" * 300, "beats": beats}, False)
    assert any("$.synopsis" in p and "too long" in p for p in problems)  # "No." says too little: asked again

"""Writing that tells the premise's story: its people and world first, the genre's structure, the period, and the
answer checks — driven premise → bible → season → scripts against a scripted OpenAI-compatible server."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

try:  # tests/ is a package when it has an __init__.py, else a folder on sys.path
    from tests.chat_server import ChatServer, FakeWriter, Reply, chat, scripted
except ImportError:  # pragma: no cover
    from chat_server import ChatServer, FakeWriter, Reply, chat, scripted
from tests.helpers import writing_toml
from reelwright.cli import main
from reelwright.documents import Bible, Season, load_document
from reelwright.documents.bible import Character, Look
from reelwright.project.folder import Project
from reelwright.providers.asking import ask_json
from reelwright.providers.registry import get_provider
from reelwright.providers.text import obj, string
from reelwright.writing.checks import distinct_bigram_ratio, instruction_leak, looks_cut
from reelwright.writing.genre import GENRE_KEYS, choose_genre, get_genre
from reelwright.writing.period import (
    anachronisms,
    dialect_of,
    era_details,
    is_garment,
    period_of,
)
from reelwright.writing.plan import plan_season
from reelwright.writing.prompts import clean
from reelwright.writing.source import extract_facts, merge_facts, merge_people
from reelwright.writing.writer import write_episodes, write_premise

ZH_PREMISE = ("1979年的重庆，40岁的裁缝周玉梅和丈夫陈德明（45岁）开着一家裁缝铺，儿子陈小龙（16岁）想去当兵。"
              "邻居何大姐天天来串门。一家人说四川话。")
EN_PREMISE = ("Margaret Bell (58), a retired nurse in Glasgow in 1983, looks after her granddaughter Ellie (9) "
              "while her son Tom Bell, a miner, is on strike. The family speak broad Scots.")


def make_project(tmp_path: Path, url: str, lang: str = "en") -> Path:
    root = tmp_path / "series"
    (root / "scripts").mkdir(parents=True)
    (root / "reelwright.toml").write_text(writing_toml(lang, url, 3, 45), encoding="utf-8")
    return root


# ---- the premise's own people and world -------------------------------------------------------


def test_people_places_period_and_dialect_are_read_from_an_english_premise():
    facts = extract_facts(EN_PREMISE)
    assert facts.names == ["Margaret Bell", "Ellie", "Tom Bell"]
    margaret, ellie, tom = facts.people
    assert (margaret.age, margaret.gender, margaret.job) == (58, "female", "retired nurse")
    assert margaret.relations == {"Ellie": "granddaughter", "Tom Bell": "son"}
    assert (ellie.age, ellie.gender) == (9, "female") and tom.job == "miner" and tom.gender == "male"
    assert facts.city == "Glasgow" and facts.period.year == 1983 and facts.dialect == "Scots"


def test_people_places_period_and_dialect_are_read_from_a_chinese_premise():
    facts = extract_facts(ZH_PREMISE)
    assert facts.names[:3] == ["周玉梅", "陈德明", "陈小龙"]
    zhou, chen, son = facts.people[:3]
    assert (zhou.age, zhou.job, zhou.gender) == (40, "裁缝", "female")
    assert zhou.relations["陈德明"] == "丈夫" and chen.age == 45 and chen.gender == "male"
    assert son.age == 16 and son.gender == "male"
    assert facts.city == "重庆" and facts.period.year == 1979 and facts.dialect == "四川话"
    assert "裁缝铺" in facts.places


def test_a_novels_chunks_keep_their_people_and_relations():
    first = extract_facts("Anna Weber, a seamstress, lives with her brother Karl above the shop. Anna sews at night.")
    later = extract_facts("Karl comes home late. Anna says nothing. Karl's wife Lotte waits at the station.")
    merge_facts(first, later)
    assert first.names[:2] == ["Anna Weber", "Karl"] and "Lotte" in first.names
    assert first.person("Anna").relations["Karl"] == "brother"  # an alias finds the same person
    assert first.person("Karl").relations["Lotte"] == "wife"
    refused = merge_people(first, [{"name": "Lotte", "age": 33, "job": "teacher"},
                                   {"name": "Countess Ilse", "gender": "female"}], "Lotte is 31.")
    assert first.person("Lotte").age is None  # 33 is not in the text: not taken
    assert refused == ["'Countess Ilse' is not named in the source text"]


def test_the_bible_is_the_premises_people_and_they_all_speak(tmp_path):
    with ChatServer(FakeWriter()) as server:
        root = make_project(tmp_path, server.url, lang="zh")
        write_premise(root, ZH_PREMISE, quiet=True)
        bible = load_document(root / "bible.yaml", Bible)
        names = [c.name for c in bible.characters]
        assert names[:4] == ["周玉梅", "陈德明", "陈小龙", "何大姐"] and len(names) == 4  # nobody invented
        zhou = bible.character("周玉梅")
        assert zhou.role == "protagonist" and zhou.age == 40 and "裁缝" in zhou.description
        assert zhou.relationships["陈德明"] == "丈夫" and bible.character("陈德明").relationships["周玉梅"] == "妻子"
        assert bible.period == "1979年" and bible.dialect == "四川话" and bible.genre == "生活"
        assert any(loc.name == "裁缝铺" for loc in bible.locations)
        assert all(is_garment(w, "zh") for c in bible.characters for w in c.wardrobe)
        season = load_document(root / "season.yaml", Season)
        assert set(season.episode(1).cast) == set(names)
        write_episodes(root, "1", quiet=True)
        prompts = [r["messages"][1]["content"] for r in server.requests if "Write beat" in r["messages"][1]["content"]]
    assert prompts and all("1979年" in p and "啥子" in p for p in prompts)  # the period and the dialect's words
    episode = Project.load(root).episodes[1].episode
    assert {d.character for d in episode.dialogue()} == set(names)
    # spoken in dialect, with the standard text kept for the subtitles (【字幕：…】) and the voices' dialect set
    assert all(d.subtitle and d.written == d.subtitle for d in episode.dialogue())
    assert "【字幕：" in (root / "scripts" / "ep001.txt").read_text(encoding="utf-8")
    assert all(c.voice.dialect == "四川话" for c in load_document(root / "bible.yaml", Bible).characters)


# ---- genre decides the structure --------------------------------------------------------------


@pytest.mark.parametrize("text, key", [
    ("A widowed baker and her teenage son run the family shop and learn to live together.", "life"),
    ("退休的奶奶搬来和儿子一家过日子，邻居们天天串门。", "life"),
    ("A wedding planner falls in love with the bride's brother.", "romance"),
    ("她和前男友在相亲会上重逢，甜宠不断。", "romance"),
    ("Framed by her stepsister, she is reborn to take revenge.", "revenge"),
    ("重生回到十八岁，她要向害死她的人复仇。", "revenge"),
    ("A detective investigates a murder in a small town; a girl is missing.", "suspense"),
    ("小镇发生命案，凶手就在身边。", "suspense"),
    ("A hilarious mix-up: two grooms, one wedding, total chaos.", "comedy"),
    ("一场乌龙闹剧，爆笑不断。", "comedy"),
    ("A concubine in the emperor's palace fights for her life.", "historical"),
    ("庶女入宫，在后宫步步为营。", "historical"),
])
def test_the_genre_is_chosen_from_the_premise(text, key):
    assert choose_genre(text).key == key


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("key", GENRE_KEYS)
def test_each_genre_lays_out_its_own_beats_in_both_languages(key, lang):
    genre = get_genre(key)
    bible = Bible(characters=[Character(name=f"C{i}", role=genre.roles[i], look=Look(seed=str(i)))
                              for i in range(3)])
    season = plan_season(bible, episodes=10, target_seconds=60, paywall_after=5, language=lang, genre=genre)
    cjk = re.compile(r"[\u3400-\u9fff]")
    purposes = [b.purpose for e in season.episodes for b in e.beats]
    assert all(bool(cjk.search(p)) == (lang == "zh") for p in purposes)
    hooks = {e.beats[0].purpose for e in season.episodes}
    assert hooks <= set(genre.hook_kinds(lang))
    assert season.episode(5).beats[-1].purpose == genre.cliffhanger_kind(10, lang)  # the paywall's cliffhanger
    assert [a.purpose for a in season.acts][0] == genre.act_purpose("setup", lang)
    tropes = re.compile(r"villain|secret|revenge|humiliat|enemy|反派|秘密|复仇|羞辱|仇")
    if not genre.tropes:  # the formula appears only where the genre calls for it
        assert not any(tropes.search(p) for p in purposes + [a.purpose for a in season.acts])
    assert not any(re.search(r"end (?:the|this) beat|本段结尾", p) for p in purposes)  # no instruction to copy


def test_the_genre_can_be_chosen_by_flag_and_by_setting(tmp_path):
    with ChatServer(FakeWriter()) as server:
        root = make_project(tmp_path, server.url)
        assert main(["write", "premise", EN_PREMISE, str(root), "--quiet", "--genre", "comedy"]) == 0
        assert load_document(root / "bible.yaml", Bible).genre == "comedy"
        other = tmp_path / "other"
        (other / "scripts").mkdir(parents=True)
        (other / "reelwright.toml").write_text(writing_toml("en", server.url, 3, 45) + 'genre = "suspense"\n',
                                               encoding="utf-8")
        write_premise(other, EN_PREMISE, quiet=True)
        assert load_document(other / "season.yaml", Season).acts[0].purpose == get_genre("suspense").acts["setup"][0]


# ---- period and place -------------------------------------------------------------------------


def test_the_period_is_read_and_anachronisms_are_named():
    assert period_of("1983年的成都").year == 1983 and period_of("in the 1980s").year == 1985
    assert period_of("八十年代的上海").year == 1985 and period_of("民国").era == "republic"
    assert period_of("A palace in the Tang dynasty").era == "ancient" and period_of("today in Leeds").present
    assert period_of("She is in her 60s").present  # an age, not a decade
    y1983 = period_of("1983")
    found = anachronisms("Text me on WhatsApp, or take the bullet train.", y1983, "en")
    assert any("'WhatsApp'" in p and "1983" in p for p in found) and any("bullet train" in p for p in found)
    assert any("'微信'" in p for p in anachronisms("你加我微信吧", y1983, "zh"))
    assert any("'外卖员'" in p for p in anachronisms("他是外卖员", y1983, "zh"))  # a modern job title
    assert anachronisms("你加我微信吧", period_of("2024年"), "zh") == []
    assert anachronisms("She writes him a letter.", y1983, "en") == []
    details = era_details(y1983, "zh")
    assert "缝纫机" in details["props"] and details["jobs"] and details["wardrobe"]
    assert dialect_of("一家人说东北话") == "东北话"


def test_wardrobe_entries_must_be_worn():
    assert is_garment("a blue Mao jacket", "en") and is_garment("碎花连衣裙", "zh")
    assert not is_garment("her favourite colour is blue", "en") and not is_garment("她最喜欢蓝色", "zh")


# ---- answer checks, each failed on purpose ------------------------------------------------------


class Crafted(FakeWriter):
    """FakeWriter, except that the first try of the asks named in ``bad`` gets a crafted bad answer."""

    def __init__(self, bad: dict, always: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.bad = bad
        self.always = always  # markers answered badly on every try
        self.used: set[str] = set()

    def __call__(self, request: dict, n: int) -> Reply:
        user = request["messages"][-1]["content"]
        retry = "rejected for these problems" in user
        for marker, answer in self.bad.items():
            if marker in user and (marker in self.always or (not retry and marker not in self.used)):
                self.used.add(marker)
                schema = request["response_format"]["json_schema"]["schema"]
                return Reply(chat(answer(schema, user) if callable(answer) else answer))
        return super().__call__(request, n)


def _beat_answer(text, speaker: str | None = None):
    def make(schema: dict, user: str) -> dict:
        who = speaker or schema["properties"]["lines"]["items"]["properties"]["speaker"]["enum"][0]
        line = text(user) if callable(text) else text
        return {"action": "She sets the table.", "event": "A quiet meal.",
                "lines": [{"speaker": who, "emotion": "calm", "text": line}]}
    return make


def _the_beats_purpose(user: str) -> str:
    """The beat's own description, as the prompt gives it (what a small model copies into a line)."""
    return re.search(r" s\): (.+?)\.\n", user).group(1).capitalize() + "."


def test_each_bad_answer_is_rejected_with_its_reason_and_asked_again(tmp_path):
    bad = {
        "Describe the protagonist": {"description": "A retired nurse who " + "keeps everyone together " * 12,
                                     "look": "Grey hair, kind eyes", "goal": "To hold the family together",
                                     "name": "Margaret Bell", "wardrobe": ["her favourite colour is blue"]},
        "Write beat 1 of": _beat_answer("Text me on WhatsApp when you land, love."),
        "Write beat 2 of": _beat_answer(_the_beats_purpose),
        "Write beat 3 of": _beat_answer("I'm fine, honestly.", speaker="Nobody"),
        "Write beat 4 of": _beat_answer("This is a line that goes on and on and on, far longer than anyone "
                                        "would ever say it aloud in a short vertical drama episode."),
    }
    crafted = Crafted(bad)
    with ChatServer(crafted) as server:
        root = make_project(tmp_path, server.url)
        write_premise(root, EN_PREMISE, quiet=True)
        report = write_episodes(root, "1", quiet=True)
        retries = [r["messages"][-1]["content"] for r in server.requests
                   if "rejected for these problems" in r["messages"][-1]["content"]]
    reasons = "\n".join(retries)
    assert "too long; say it in at most" in reasons  # not cut with "…": asked again, shorter
    assert "'her favourite colour is blue' is not something worn" in reasons
    assert "'WhatsApp' is an anachronism" in reasons and "1983" in reasons
    assert "copies the instructions" in reasons
    assert "'Nobody' is not in this scene" in reasons
    assert "characters is too long" in reasons
    assert report.stats.retried == 4 and report.stats.fallbacks == 0  # each crafted beat, asked once more
    for r in retries:  # the reasons go back, the rejected answer does not (one system + one user message)
        assert "her favourite colour is blue\"" not in r
    bible = load_document(root / "bible.yaml", Bible)
    lead = bible.character("Margaret Bell")
    assert lead.wardrobe and all(is_garment(w, "en") for w in lead.wardrobe) and not looks_cut(lead.description)
    rc = main(["write", "check", str(root), "--json"])
    assert rc == 0, "the script written after the retries passes every check"


def test_a_repeated_line_is_asked_again_and_a_hopeless_beat_falls_back_to_a_plain_line(tmp_path):
    said = "Line 1: you lied to me about everything, and now you pay!"  # what FakeWriter's first line says
    crafted = Crafted({"Write beat 2 of": _beat_answer(said),
                       "Write beat 3 of": _beat_answer("And this section must end on a reversal.")},
                      always=("Write beat 3 of",))
    with ChatServer(crafted) as server:
        root = make_project(tmp_path, server.url)
        write_premise(root, EN_PREMISE, quiet=True)
        # beat 3 answers with the leak on every try: after the retries, the plain fallback line
        report = write_episodes(root, "1", quiet=True)
        reasons = "\n".join(r["messages"][-1]["content"] for r in server.requests)
    assert "was already said" in reasons and "is a word of the instructions" in reasons
    assert report.stats.fallbacks == 1 and any("plain line" in w for w in report.stats.warnings)
    episode = Project.load(root).episodes[1].episode
    texts = [d.text for d in episode.dialogue()]
    assert len(texts) == len(set(texts)) and not any("reversal" in t for t in texts)
    bible = load_document(root / "bible.yaml", Bible)
    assert all(bible.character(d.character) for d in episode.dialogue())


# ---- write check on any project --------------------------------------------------------------------


HAND = """INT. KITCHEN - DAY

MARGARET
Ellie, put the kettle on.

ELLIE
I'll text you on my mobile phone.

MARGARET
Ellie, put the kettle on.

STRANGER
Who are you?

ELLIE
This scene must end the beat on a reversal.

MARGARET
Her life is a mystery that unfolds slowly and carefully through the long winter until the very end of…
"""


def test_write_check_reports_every_kind_with_lines(tmp_path, capsys):
    root = tmp_path / "hand"
    (root / "scripts").mkdir(parents=True)
    (root / "reelwright.toml").write_text('[project]\ntitle = "Hand"\n', encoding="utf-8")
    (root / "scripts" / "ep001.fountain").write_text(HAND, encoding="utf-8")
    Project.load(root).sync_bible()  # the bible from the script's speakers
    bible = load_document(root / "bible.yaml", Bible)
    bible.characters[0].wardrobe = ["her favourite colour is blue"]
    from reelwright.documents.base import save_document

    save_document(bible, root / "bible.yaml")
    season = plan_season(bible, episodes=1, target_seconds=45, paywall_after=None, language="en",
                         premise=EN_PREMISE)
    season.episodes[0].cast = ["MARGARET", "ELLIE"]
    save_document(season, root / "season.yaml")
    assert main(["write", "check", str(root)]) == 1
    out = capsys.readouterr().out
    path = str(root / "scripts" / "ep001.fountain")
    assert f"anachronism: {path}:6: " in out and "'mobile phone'" in out
    assert f"repeated line: {path}:9: " in out
    assert f"not in the scene: {path}:12: " in out and "STRANGER" in out
    assert f"instruction leak: {path}:15: " in out
    assert f"cut off: {path}:18: " in out
    assert "unused name" in out and "Tom Bell, whom the premise names, never speaks" in out
    assert "not a garment" in out and "distinct-bigram ratio" in out
    assert main(["write", "check", str(root), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["measures"]["repeated_lines"] == 1 and data["measures"]["named_speaking_share"] < 1
    assert 0 < data["measures"]["distinct_bigram_ratio"] < 1


def test_measures_and_leaks():
    assert distinct_bigram_ratio(["a b c", "a b c"], "en") == 0.5
    assert distinct_bigram_ratio(["你好你好"], "zh") == pytest.approx(2 / 3)
    assert instruction_leak("Let's end the beat on a high note", [], "en")
    assert instruction_leak("本段结尾要有反转", [], "zh")
    assert instruction_leak("the protagonist is wronged and the conflict is set up",
                            ["the protagonist is wronged and the conflict is set up"], "en")
    assert instruction_leak("Pass the salt, Ruth.", ["a small misunderstanding over something everyday"],
                            "en") is None
    assert clean("She always has a purpose. And more words here", 27) == "She always has a purpose."
    assert not clean("She always has a purpose in", 25).endswith("…")
    assert clean("王秀芬的面馆：一家人的秘密", 12) == "王秀芬的面馆"  # a clause, not a word cut in half


# ---- one ask loop for writing and translation --------------------------------------------------


def test_one_ask_loop_feeds_the_reasons_back_without_the_rejected_answer():
    replies = [Reply(chat({"text": "REJECTED-ANSWER"})), Reply(chat({"text": "good"}))]
    with ChatServer(scripted(replies)) as server:
        provider = get_provider("text:openai", {"base_url": server.url, "model": "m", "api_key_env": "",
                                                "retries": 0})

        def check(data, final):
            return data, ([] if data["text"] == "good" else [f"{data['text']!r} is not good"])

        out = ask_json(provider, [{"role": "system", "content": "s"}, {"role": "user", "content": "say good"}],
                       obj({"text": string(20)}), check, name="t", retries=2)
        retry = server.requests[1]["messages"]
    assert out.ok and out.attempts == 2 and out.data == {"text": "good"}
    assert [m["role"] for m in retry] == ["system", "user"]
    assert "'REJECTED-ANSWER' is not good" in retry[-1]["content"]  # the reason quotes what it is about
    assert retry[-1]["content"].count("REJECTED-ANSWER") == 1  # … and the answer itself is not sent back


def test_a_shortened_field_never_stops_on_a_word_that_needs_another():
    """Seen with the embedded model: an action line cut to its limit at a word boundary read "…as she feels it's
    not fair for him to have grown up in a different world from"."""
    long_action = ("Ruth refuses to teach Danny as she feels it's not fair for him to have grown up in a different "
                   "world from the one she knew")
    for limit in range(60, 118, 3):
        short = clean(long_action, limit, "en")
        assert len(short) <= limit and long_action.startswith(short) and not looks_cut(short), short
    assert looks_cut("Ruth refuses, as she feels it is not fair for him to have grown up in a world from")
    assert not looks_cut("She closes the shop.") and not looks_cut("他走了") and not looks_cut("Who is it for?")


def test_prose_past_its_limit_keeps_its_first_sentence_whole():
    from reelwright.writing import prompts

    sentence = "Mr. Patel hands Danny a trowel and shows him where the runner beans will climb the fence this year."
    assert prompts._shorten(sentence + " Ruth watches.", 60, 2.0) == sentence  # whole, though over 60
    assert len(prompts._shorten(sentence, 60)) <= 60  # a title-like field still fits

"""Dialect performances: the bible's dialect and instructions, the script's spoken/standard text, the voices."""

from __future__ import annotations

import re

import numpy as np
import pytest

from reelwright.project.cache import Cache
from reelwright.documents.base import load_document, save_document
from reelwright.documents.bible import Bible, Voice, dialect_key, dialect_name
from reelwright.documents.timeline import Timeline
from reelwright.errors import ScriptSyntaxError
from reelwright.media.audio import read_wav
from reelwright.project.folder import Project
from reelwright.providers.registry import get_provider
from reelwright.screenplay import parse_text, write_chinese, write_fountain

try:  # tests/ is a package when it has an __init__.py, else a folder on sys.path
    from tests.chat_server import ChatServer, Reply, chat
    from tests.helpers import write_tiny_project
    from tests.media_server import MediaServer
except ImportError:  # pragma: no cover
    from chat_server import ChatServer, Reply, chat
    from conftest import write_tiny_project
    from media_server import MediaServer

SCRIPT = """第1集：茶馆

1-1 日 内 茶馆
人物：王大爷、阿珍、林晚
△王大爷敲着桌子，茶碗跳了一下。
王大爷：（不耐烦）你咋个还不来嘛？【字幕：你怎么还不来？】
阿珍：我哋今日唔得闲。【字幕：我们今天没空。】
林晚：那我明天再来。
阿珍：好啊，听日见。【字幕：好啊，明天见。】
"""

FOUNTAIN = """Title: Teahouse
Episode: 1

INT. TEAHOUSE - DAY

WANG
(impatient)
你咋个还不来嘛？
[[subtitle: 你怎么还不来？]]

LIN
那我明天再来。
"""


def test_dialect_names_fold_to_one_key():
    assert dialect_key("四川话") == dialect_key("Sichuanese") == dialect_key(" sichuan ") == "sichuanese"
    assert dialect_key("粤语") == dialect_key("Cantonese") == dialect_key("yue") == "cantonese"
    assert dialect_key("东北话") == "northeastern"
    assert dialect_key("") == dialect_key("普通话") == dialect_key("Mandarin") == ""
    assert dialect_key("Teochew") == "teochew"  # unknown names pass through, folded
    assert dialect_name("川话") == "Sichuanese (四川话)"
    assert Voice(dialect="粤语", instructions="slow").model_dump()["dialect"] == "粤语"  # kept as written


def test_chinese_dialect_line_round_trips():
    doc = parse_text(SCRIPT)
    lines = doc.episodes[0].dialogue()
    assert [(d.text, d.subtitle) for d in lines] == [
        ("你咋个还不来嘛？", "你怎么还不来？"), ("我哋今日唔得闲。", "我们今天没空。"), ("那我明天再来。", None),
        ("好啊，听日见。", "好啊，明天见。")]
    assert lines[0].emotion == "不耐烦" and lines[0].written == "你怎么还不来？" and lines[2].written == "那我明天再来。"
    again = parse_text(write_chinese(doc))
    assert [(d.text, d.subtitle, d.emotion) for d in again.episodes[0].dialogue()] == \
        [(d.text, d.subtitle, d.emotion) for d in lines]
    via_fountain = parse_text(write_fountain(doc), fmt="fountain")
    assert [(d.text, d.subtitle) for d in via_fountain.episodes[0].dialogue()] == [(d.text, d.subtitle) for d in lines]
    # a 【字幕：…】 on its own line stays an on-screen caption
    caption = parse_text("第1集\n1-1 日 内 客厅\n【字幕：三天后】\n林晚：好。\n")
    assert caption.episodes[0].elements[1].type == "caption"
    with pytest.raises(ScriptSyntaxError, match="empty subtitle") as err:
        parse_text("第1集\n1-1 日 内 客厅\n林晚：咋个嘛【字幕：】\n", "x.txt")
    assert err.value.problems[0].line == 3


def test_fountain_subtitle_note_round_trips():
    doc = parse_text(FOUNTAIN, fmt="fountain")
    wang, lin = doc.episodes[0].dialogue()
    assert (wang.text, wang.subtitle, wang.emotion) == ("你咋个还不来嘛？", "你怎么还不来？", "impatient")
    assert lin.subtitle is None and not [e for e in doc.episodes[0].elements if e.type == "note"]
    text = write_fountain(doc)
    assert "[[subtitle: 你怎么还不来？]]" in text
    again = parse_text(text, fmt="fountain")
    assert [(d.text, d.subtitle) for d in again.episodes[0].dialogue()] == [(wang.text, wang.subtitle), (lin.text, None)]
    with pytest.raises(ScriptSyntaxError, match="empty subtitle"):
        parse_text("INT. A - DAY\n\nWANG\n咋个\n[[subtitle:  ]]\n", fmt="fountain")


# ---- a Chinese project with a Sichuanese and a Cantonese character ---------------------------------------


def _dialect_project(root):
    root = write_tiny_project(root, SCRIPT, "ep001.txt", "zh")
    project = Project.load(root)
    project.sync_bible()
    bible = load_document(root / "bible.yaml", Bible)
    for c in bible.characters:
        if c.name == "王大爷":
            c.voice = c.voice.model_copy(update={"dialect": "四川话", "instructions": "slow, tired, 1980s Chengdu "
                                                 "market seller"})
        elif c.name == "阿珍":
            c.voice = c.voice.model_copy(update={"dialect": "cantonese", "instructions": "brisk Hong Kong aunt"})
    save_document(bible, root / "bible.yaml")
    return root


def _envelope(x: np.ndarray, sr: int = 48000) -> np.ndarray:
    hop = sr // 100
    n = len(x) // hop
    return np.sqrt((np.asarray(x[:n * hop], np.float64).reshape(n, hop) ** 2).mean(axis=1))


def _match(a: np.ndarray, b: np.ndarray) -> float:
    """How alike two renderings are: the correlation of their 10-ms loudness envelopes, 0 when their lengths
    differ by more than 3% (espeak's noise sources make renderings alike, not identical, sample by sample)."""
    if abs(len(a) - len(b)) > 0.03 * max(len(a), len(b)):
        return 0.0
    ea, eb = _envelope(a), _envelope(b)
    n = min(len(ea), len(eb))
    return float(np.corrcoef(ea[:n], eb[:n])[0, 1])


@pytest.mark.slow
def test_cantonese_lines_get_the_cantonese_voice_and_subtitles_the_standard_text(tmp_path):
    from reelwright.build.pipeline import build

    root = _dialect_project(tmp_path / "proj")
    project = Project.load(root)
    report = build(project, quiet=True)
    # the build says plainly which dialect falls back to Mandarin, and only that one
    assert len(report.notes) == 1
    assert "王大爷 speaks Sichuanese (四川话)" in report.notes[0] and "Mandarin" in report.notes[0]

    timeline = load_document(root / "build" / "ep001.timeline.json", Timeline)
    espeak = get_provider("speech:espeak", {})
    cache = Cache(project.cache_dir, project.lock_path)
    lines = project.episodes[1].episode.dialogue()
    verdicts = {}
    for clip in timeline.audio:
        d = lines[clip.line]
        voice = project.bible.character(d.character).voice
        built = read_wav(cache.path("voice", clip.key, ".wav")).samples
        built = built if built.ndim == 1 else built.mean(axis=1)
        kw = {"language": "zh", "pitch": voice.pitch, "rate": voice.rate}
        cantonese = espeak.synthesize(d.text, voice=f"yue+{voice.voice}", **kw).samples
        mandarin = espeak.synthesize(d.text, voice=f"cmn-latn-pinyin+{voice.voice}", **kw).samples
        assert _match(cantonese, mandarin) < 0.5  # the two voices are told apart by this measure
        verdicts[clip.line] = (d.character, _match(built, cantonese) > 0.9, _match(built, mandarin) > 0.9)
    assert verdicts == {0: ("王大爷", False, True), 1: ("阿珍", True, False), 2: ("林晚", False, True),
                        3: ("阿珍", True, False)}

    srt = (root / "build" / "ep001.srt").read_text(encoding="utf-8")
    for standard in ("你怎么还不来", "我们今天没空", "那我明天再来", "明天见"):
        assert standard in srt.replace("\n", "")
    assert not re.search("咋个|唔得闲|听日", srt)


@pytest.mark.slow
def test_openai_speech_server_receives_each_characters_dialect_instructions(tmp_path):
    from reelwright.build.pipeline import build

    root = _dialect_project(tmp_path / "proj")
    with MediaServer() as server:
        with open(root / "reelwright.toml", "a", encoding="utf-8") as fh:
            fh.write(f'\n[providers]\nspeech = "openai"\n\n[providers.options."speech:openai"]\n'
                     f'base_url = "{server.url}"\napi_key_env = ""\ninstructions = "Warm and natural."\n'
                     'dialect_voices = { cantonese = "yue_female" }\n')
        report = build(Project.load(root), quiet=True)
        seen = [s.json for s in server.requests if s.path.endswith("/audio/speech")]
    assert report.notes == []  # the server is told every dialect
    by_text = {s["input"]: s for s in seen}
    wang = by_text["你咋个还不来嘛？"]
    assert wang["instructions"].startswith("Warm and natural. Speak in Sichuanese (四川话)")
    assert wang["instructions"].endswith("slow, tired, 1980s Chengdu market seller")
    for text in ("我哋今日唔得闲。", "好啊，听日见。"):
        assert "Cantonese (粤语)" in by_text[text]["instructions"]
        assert by_text[text]["instructions"].endswith("brisk Hong Kong aunt")
    assert by_text["那我明天再来。"]["instructions"] == "Warm and natural."  # no dialect, no own instructions
    assert len(seen) == 4
    # the dialect's voice comes before the character's own (an espeak variant from the default bible)
    assert {by_text[t]["voice"] for t in ("我哋今日唔得闲。", "好啊，听日见。")} == {"yue_female"}
    assert wang["voice"] == Project.load(root).bible.character("王大爷").voice.voice


class _Translator:
    """Answers translation asks with short English lines, and records the source text of every row."""

    def __init__(self) -> None:
        self.rows: list[str] = []

    def __call__(self, request: dict, _n: int):
        user = request["messages"][1]["content"]
        rows = re.findall(r"^(\d+)\. (?:\[[^\]]*\] )?\(max (\d+) characters\) (.*)$", user, re.M)
        self.rows += [text for _, _, text in rows]
        return Reply(chat({num: f"Line {num} said"[: int(budget)] for num, budget, _ in rows}))


@pytest.mark.slow
def test_a_dialect_line_is_translated_from_its_standard_text(tmp_path):
    from reelwright.localise.job import localise_project

    root = _dialect_project(tmp_path / "proj")
    fake = _Translator()
    with ChatServer(fake) as server:
        toml = (root / "reelwright.toml").read_text(encoding="utf-8")
        (root / "reelwright.toml").write_text(toml.replace("[render]", f'[providers]\ntext = "openai"\n\n'
                                              f'[providers.options.openai]\nbase_url = "{server.url}"\nmodel = '
                                              f'"scripted"\napi_key_env = ""\nretries = 0\n\n[render]'),
                                              encoding="utf-8")
        localise_project(Project.load(root), "en")
    asked = "\n".join(fake.rows)
    for standard in ("你怎么还不来？", "我们今天没空。", "那我明天再来。", "好啊，明天见。"):
        assert standard in asked
    assert not re.search("咋个|唔得闲|听日", asked)


def test_the_docs_blocks_parse_and_validate():
    """Every block of docs/chinese.md's dialect section: the bible fragment, both scripts, the settings."""
    import tomllib
    from pathlib import Path

    import yaml

    from reelwright.documents.bible import Character
    from reelwright.project.settings import Settings

    text = (Path(__file__).resolve().parents[1] / "docs" / "chinese.md").read_text(encoding="utf-8")
    section = text.split("## Dialect performances", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(\w+)\n(.*?)```", section, re.S)
    assert [kind for kind, _ in blocks] == ["yaml", "text", "fountain", "toml"]
    characters = [Character.model_validate(c) for c in yaml.safe_load(blocks[0][1])["characters"]]
    assert [dialect_key(c.voice.dialect) for c in characters] == ["sichuanese", "cantonese"]
    zh = parse_text(blocks[1][1]).episodes[0].dialogue()
    assert [d.subtitle for d in zh] == ["你怎么还不来？", "我们今天没空。"]
    (wang,) = parse_text(blocks[2][1], fmt="fountain").episodes[0].dialogue()
    assert wang.subtitle == "你怎么还不来？"
    settings = Settings.model_validate(tomllib.loads(blocks[3][1]))
    speech = get_provider("speech:openai", settings.provider_options("speech", "openai"))  # unknown keys raise
    assert speech.voice_for("m4", "zh", "四川话") == "sichuan_male"
    assert speech.voice_for("f1", "zh", "sichuanese") == "sichuan_female"
    assert speech.voice_for(None, "zh", "粤语") == "yue_female"
    assert speech.instructions_for("东北话", "loud").endswith("用地道的东北话说，语气豪爽。 loud")

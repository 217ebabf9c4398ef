"""The Chinese short-drama convention: parser, writer, errors, conversion to and from Fountain, detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelwright.documents.script import (
    Action,
    Caption,
    DialoguePart,
    Episode,
    Marker,
    Note,
    SceneHeading,
    ScriptDocument,
    Section,
    Transition,
)
from reelwright.errors import ScriptSyntaxError
from reelwright.screenplay import (
    detect_format,
    parse_chinese,
    parse_fountain,
    parse_script,
    parse_text,
    write_chinese,
    write_fountain,
)
from reelwright.screenplay.chinese import chinese_number

CYBER_BOB = Path(__file__).resolve().parents[2] / "shared" / "scripts" / "cyber_bob_ep00001.fountain"

SCRIPT = """《替身新娘》
大纲：林晚替姐姐嫁入顾家，
却发现丈夫顾言早已知道真相。

人物小传：
林晚（24岁）：替姐出嫁的妹妹，倔强聪明。
顾言(29)：顾氏集团总裁，
  表面冷漠。
林雪：林晚的姐姐。
老陈（男，五十岁）：管家。

第一集：新婚之夜

1-1 夜 内 婚房
人物：林晚、顾言，老陈
△红烛摇曳，林晚攥紧裙摆。
顾言：（冷笑）林家送来的新娘，就是你？
林晚:(紧张)我就是林雪。
顾言OS：她在撒谎。
顾言（VO）：一年前……
林晚 (OS)：别慌。
【字幕：三天前】
【闪回】
1-2 日 外 医院门口
人物：林晚 林雪
林雪：（哭）只有你能救爸爸了。
【闪回结束】
管家推门进来。

第2集 真相
第一场 外/日 花园
1-2 内 晨 书房
2-3 黄昏 外 天台
2-4 天台 夜 外
"""


def comparable(obj):
    if isinstance(obj, ScriptDocument):
        obj = obj.model_dump(mode="json")
    if isinstance(obj, dict):
        return {k: comparable(v) for k, v in obj.items() if k not in ("line", "source")}
    if isinstance(obj, list):
        return [comparable(v) for v in obj]
    return obj


@pytest.fixture
def doc() -> ScriptDocument:
    return parse_chinese(SCRIPT, "scripts/drama.txt")


# ---- the preamble -------------------------------------------------------------------------------


def test_title_outline_and_bios(doc):
    assert (doc.format, doc.source, doc.title) == ("zh", "scripts/drama.txt", "替身新娘")
    assert doc.outline == "林晚替姐姐嫁入顾家，\n却发现丈夫顾言早已知道真相。"
    assert [(b.name, b.age, b.description, b.line) for b in doc.bios] == [
        ("林晚", 24, "替姐出嫁的妹妹，倔强聪明。", 6),
        ("顾言", 29, "顾氏集团总裁，\n表面冷漠。", 7),
        ("林雪", None, "林晚的姐姐。", 9),
        ("老陈", 50, "男，管家。", 10),
    ]
    # bios are never dialogue
    assert all(d.line > 12 for ep in doc.episodes for d in ep.dialogue())


def test_episodes(doc):
    assert [(ep.number, ep.title, ep.line) for ep in doc.episodes] == [(1, "新婚之夜", 12), (2, "真相", 30)]


@pytest.mark.parametrize(
    ("marker", "number", "title"),
    [("第1集", 1, None), ("第一集：开端", 1, "开端"), ("第12集 标题", 12, "标题"), ("第十二集", 12, None),
     ("第二十集: 结局", 20, "结局"), ("第一百零五集", 105, None), ("第１０集", 10, None)],
)
def test_episode_markers(marker, number, title):
    ep = parse_chinese(f"{marker}\n△动作。\n").episodes[0]
    assert (ep.number, ep.title, ep.line) == (number, title, 1)


def test_chinese_numbers():
    assert [chinese_number(s) for s in ("7", "七", "十", "十五", "二十", "三十二", "一百", "两百零三", "一二")] == [
        7, 7, 10, 15, 20, 32, 100, 203, 12]


# ---- scenes and cast --------------------------------------------------------------------------------


def test_scene_lines(doc):
    scenes = [s for ep in doc.episodes for s in ep.scenes()]
    assert [(s.number, s.time, s.setting, s.location, s.line) for s in scenes] == [
        ("1-1", "夜", "INT", "婚房", 14),
        ("1-2", "日", "EXT", "医院门口", 24),
        ("1", "日", "EXT", "花园", 31),
        ("1-2", "晨", "INT", "书房", 32),
        ("2-3", "黄昏", "EXT", "天台", 33),
        ("2-4", "夜", "EXT", "天台", 34),
    ]
    assert scenes[0].text == "1-1 夜 内 婚房" and scenes[2].text == "第一场 外/日 花园"


@pytest.mark.parametrize(
    ("line", "time", "setting", "location"),
    [("3-1 日内 客厅", "日", "INT", "客厅"), ("3-1 内外 日 车里", "日", "INT/EXT", "车里"),
     ("3-1 夜 内/外 车里", "夜", "INT/EXT", "车里"), ("3-1 夜市 外 夜", "夜", "EXT", "夜市"),
     ("3-1 日 外 学校 操场", "日", "EXT", "学校 操场"), ("3-1 内 办公室", "", "INT", "办公室")],
)
def test_scene_line_variants(line, time, setting, location):
    h = parse_chinese(line).episodes[0].elements[0]
    assert isinstance(h, SceneHeading) and (h.time, h.setting, h.location) == (time, setting, location)


def test_cast_goes_to_the_preceding_scene(doc):
    s1, s2 = doc.episodes[0].scenes()
    assert s1.cast == ["林晚", "顾言", "老陈"] and s2.cast == ["林晚", "林雪"]
    assert doc.episodes[0].characters()[:3] == ["林晚", "顾言", "老陈"]
    assert not any(isinstance(e, Action) and "人物" in e.text for e in doc.episodes[0].elements)


# ---- action, dialogue, captions, flashbacks ---------------------------------------------------------


def test_elements_in_order_with_lines(doc):
    ep = doc.episodes[0]
    assert [(type(e).__name__, e.line) for e in ep.elements] == [
        ("SceneHeading", 14), ("Action", 16), ("Dialogue", 17), ("Dialogue", 18), ("Dialogue", 19),
        ("Dialogue", 20), ("Dialogue", 21), ("Caption", 22), ("Marker", 23), ("SceneHeading", 24),
        ("Dialogue", 26), ("Marker", 27), ("Action", 28)]


def test_action(doc):
    a = doc.episodes[0].elements[1]
    assert isinstance(a, Action) and a.text == "红烛摇曳，林晚攥紧裙摆。"
    assert doc.episodes[0].elements[-1].text == "管家推门进来。"  # an unmarked line is action too


def test_dialogue(doc):
    d = doc.episodes[0].dialogue()
    assert [(x.character, x.emotion, x.extensions, x.text) for x in d] == [
        ("顾言", "冷笑", [], "林家送来的新娘，就是你？"),
        ("林晚", "紧张", [], "我就是林雪。"),
        ("顾言", None, ["OS"], "她在撒谎。"),
        ("顾言", None, ["VO"], "一年前……"),
        ("林晚", None, ["OS"], "别慌。"),
        ("林雪", "哭", [], "只有你能救爸爸了。"),
    ]
    assert d[0].parts == [DialoguePart(kind="text", text="林家送来的新娘，就是你？")]


def test_dialogue_with_latin_names():
    found = parse_chinese("第1集\nJOHN SMITH (OS)：Hi.\nCARLOS：Hola.\n").episodes[0].dialogue()
    assert [(d.character, d.extensions) for d in found] == [("JOHN SMITH", ["OS"]), ("CARLOS", [])]


def test_caption_and_flashback_markers(doc):
    caption, start, end = (e for e in doc.episodes[0].elements if isinstance(e, (Caption, Marker)))
    assert caption.text == "三天前"
    assert (start.kind, end.kind) == ("flashback_start", "flashback_end")


def test_blank_lines_and_crlf_are_ignored():
    text = "第1集\n\n\n1-1 日 内 客厅\n\n△他笑了。\n\n林晚：好。\n"
    lf = parse_chinese(text)
    assert parse_chinese(text.replace("\n", "\r\n")).model_dump() == lf.model_dump()
    assert parse_chinese(text.replace("\n", "\r")).model_dump() == lf.model_dump()
    assert [e.line for e in lf.episodes[0].elements] == [4, 6, 8]


def test_file_without_markers_is_one_episode(tmp_path):
    doc = parse_chinese("《剧》\n1-1 日 内 客厅\n林晚：你好。\n", "scripts/ep007.txt")
    assert doc.title == "剧" and [(ep.number, ep.line) for ep in doc.episodes] == [(7, 2)]
    assert parse_chinese("林晚：你好。\n").episodes[0].number == 1
    assert parse_chinese("").episodes == [Episode(number=1, line=1)]


# ---- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("第1集\n1-1 日 内 客厅\n林晚：\n", 3, "has no text"),
        ("第1集\n1-1 日 内 客厅\n林晚：（哭）\n", 3, "has no text"),
        ("第1集\n1-1 日 内 客厅\n△走。\n【闪回结束】\n", 4, "without a 【闪回】"),
        ("第1集\n【闪回】\n△回忆。\n第2集\n△现在。\n", 2, "not closed"),
        ("第1集\n【闪回】\n△回忆。\n", 2, "not closed"),
        ("第1集\n【闪回】\n【闪回】\n", 3, "still open"),
        ("第1集\n1-1 明天 内 客厅\n", 2, "unknown time/setting word '明天'"),
        ("第1集\n1-1 日 夜 客厅\n", 2, "repeated time/setting word '夜'"),
        ("第1集\n1-1 日 内\n", 2, "no location"),
        ("第1集\n1-1\n", 2, "no location"),
        ("《剧》\n1-1 日 内 客厅\n第1集\n", 2, "expected an episode marker"),
        ("大纲：故事。\n人物小传：\n林晚：妹妹。\n△开场。\n第1集\n", 4, "expected an episode marker"),
        ("第1集\n人物：林晚\n", 2, "before any scene line"),
        ("第1集\n△a\n第一集\n", 3, "episode 1 is already defined at line 1"),
        ("第1集\n大纲：晚了。\n", 2, "before the first episode"),
        ("人物小传：\n没有冒号的描述\n", 2, "expected a character bio"),
        ("第1集\n【字幕：】\n", 2, "empty caption"),
    ],
)
def test_errors_name_file_and_line(text, line, words):
    with pytest.raises(ScriptSyntaxError) as info:
        parse_chinese(text, "scripts/ep001.txt")
    assert info.value.line == line and info.value.path == "scripts/ep001.txt"
    assert f"scripts/ep001.txt:{line}: " in str(info.value)
    assert words in str(info.value)


def test_parse_script_reports_file_and_line(tmp_path):
    path = tmp_path / "ep002.txt"
    path.write_text("第2集\n2-1 日 内 客厅\n林晚：\n", encoding="utf-8")
    with pytest.raises(ScriptSyntaxError, match=rf"{path.name}:3: dialogue for 林晚 has no text"):
        parse_script(path)


# ---- writer and round trips ----------------------------------------------------------------------


def test_round_trip(doc):
    written = write_chinese(doc)
    again = parse_chinese(written)
    assert comparable(again) == comparable(doc)
    assert write_chinese(again) == written
    assert "1-1 夜 内 婚房\n人物：林晚、顾言、老陈\n△红烛摇曳，林晚攥紧裙摆。\n顾言：（冷笑）林家送来的新娘，就是你？\n" in written
    assert "顾言OS：她在撒谎。\n顾言VO：一年前……\n林晚OS：别慌。\n【字幕：三天前】\n【闪回】\n" in written
    assert "老陈（50岁）：男，管家。\n" in written and "第1集：新婚之夜\n" in written


def test_round_trip_without_markers():
    doc = parse_chinese("1-1 日 内 客厅\n林晚：你好。\n", "ep004.txt")
    written = write_chinese(doc)
    assert written.startswith("第4集\n")
    assert comparable(parse_chinese(written)) == comparable(doc)


# ---- conversions ------------------------------------------------------------------------------------


def test_chinese_to_fountain(doc):
    fountain = write_fountain(doc)
    assert detect_format(fountain) == "fountain"
    back = parse_fountain(fountain)
    assert (back.title, back.outline) == (doc.title, doc.outline)
    assert [(b.name, b.age) for b in back.bios] == [(b.name, b.age) for b in doc.bios]
    assert (back.episodes[0].number, back.episodes[0].title) == (1, "新婚之夜")
    scenes = back.episodes[0].scenes()
    assert [(s.setting, s.location, s.time, s.number) for s in scenes[:2]] == [
        ("INT", "婚房", "NIGHT", "1-1"), ("EXT", "医院门口", "DAY", "1-2")]
    d = back.episodes[0].dialogue()
    assert [(x.character, x.extensions, x.emotion, x.text, x.forced) for x in d[:3]] == [
        ("顾言", [], "冷笑", "林家送来的新娘，就是你？", True),
        ("林晚", [], "紧张", "我就是林雪。", True),
        ("顾言", ["OS"], None, "她在撒谎。", True)]
    assert back.stats()["dialogue"] == doc.stats()["dialogue"]
    assert "# 第2集：真相" in fountain
    assert [s.text for s in back.episodes[0].elements if isinstance(s, Section)] == ["第1集：新婚之夜",
                                                                                       "第2集：真相"]
    # and on back to Chinese
    again = parse_chinese(write_chinese(back))
    assert [(x.character, x.emotion, x.text) for x in again.episodes[0].dialogue()[:2]] == [
        ("顾言", "冷笑", "林家送来的新娘，就是你？"), ("林晚", "紧张", "我就是林雪。")]
    assert comparable(again)["bios"] == comparable(back)["bios"] == comparable(doc)["bios"]


def test_fountain_to_chinese():
    fountain = parse_fountain(
        "Title: The Deal\nEpisode: 3\n\nEXT. ROOFTOP - NIGHT\n\nRain falls.\nHard.\n\nMAYA (V.O.)\n(angry)\n"
        "You knew.\nAll along.\n\nETHAN\n(sighs)\n\nINT./EXT. CAR - CONTINUOUS #7#\n\n.FLASHBACK\n\nCUT TO:\n\n"
        "[[a note]]\n\n> THE END <\n"
    )
    text = write_chinese(fountain)
    assert detect_format(text) == "zh"
    assert text.startswith("《The Deal》\n\n第3集\n\n3-1 夜 外 ROOFTOP\n△Rain falls.\n△Hard.\n")
    assert "MAYA（V.O.）：（angry）You knew. All along.\n△ETHAN：（sighs）\n" in text  # no words: kept as action
    assert "\n3-2 内外 CAR\n" in text and "\n3-3 FLASHBACK\n△CUT TO:\n△THE END\n" in text
    zh = parse_chinese(text)
    ep = zh.episodes[0]
    assert (zh.title, ep.number) == ("The Deal", 3)
    assert [(s.setting, s.time, s.location) for s in ep.scenes()] == [
        ("EXT", "夜", "ROOFTOP"), ("INT/EXT", "", "CAR"), ("", "", "FLASHBACK")]
    (d,) = ep.dialogue()
    assert (d.character, d.extensions, d.emotion, d.text) == ("MAYA", ["V.O."], "angry", "You knew. All along.")
    assert not any(isinstance(e, (Note, Transition)) for e in ep.elements)


def test_real_script_converts_to_chinese_and_back():
    if not CYBER_BOB.is_file():
        pytest.skip(f"real script not found at {CYBER_BOB}")
    fountain = parse_script(CYBER_BOB)
    zh = parse_chinese(write_chinese(fountain))
    assert zh.title == fountain.title
    assert [(s.location, s.setting, s.time) for s in zh.episodes[0].scenes()] == [
        ("PARK", "EXT", "日"), ("SUBURBAN TRAFFIC INTERSECTION", "EXT", "日"),
        ("TRAFFIC LIGHT HORIZONTAL BEAM", "INT", "夜")]
    assert zh.stats() == fountain.stats()
    back = parse_fountain(write_fountain(zh))
    assert [s.location for s in back.episodes[0].scenes()] == ["PARK", "SUBURBAN TRAFFIC INTERSECTION",
                                                               "TRAFFIC LIGHT HORIZONTAL BEAM"]
    assert back.stats() == fountain.stats()


# ---- format detection and the entry points ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("第1集\n△开场。\n", "zh"),
        ("1-1 日 内 客厅\n", "zh"),
        ("△他走进来。\n", "zh"),
        ("人物：林晚、顾言\n", "zh"),
        ("林晚：（紧张）我就是林雪。\n", "zh"),
        ("【字幕：三天前】\n", "zh"),
        ("INT. HOUSE - DAY\n\nBOB\nHi.\n", "fountain"),
        ("Title: X\n\nSome action.\n", "fountain"),
        ("", "fountain"),
        ("INT. 客厅 - DAY\n\n@林晚\n你好：再见。\n\n@顾言\n好。\n", "fountain"),
    ],
)
def test_detect_format(text, fmt):
    assert detect_format(text) == fmt


def test_parse_text_and_parse_script(tmp_path):
    assert parse_text("第1集\n林晚：好。\n").format == "zh"
    assert parse_text("林晚：好。\n", fmt="fountain").format == "fountain"
    with pytest.raises(ValueError, match="unknown script format"):
        parse_text("x", fmt="pdf")
    for name in ("ep009.txt", "ep009.md", "ep009.fountain"):
        path = tmp_path / name
        path.write_bytes("\ufeff第9集：名\r\n9-1 日 内 客厅\r\n林晚：好。\r\n".encode())
        doc = parse_script(path)
        assert (doc.format, doc.source, doc.episodes[0].title) == ("zh", str(path), "名")

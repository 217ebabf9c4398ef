"""Scripts as writers deliver them: Word (.docx) in any layout, Final Draft (.fdx) in and out, one story in
every layout and container giving the same `parse --stats`, and `parse --to` between all formats."""

from __future__ import annotations

import json
import re
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE

from reelwright.cli import main
from reelwright.documents.script import (
    Action, Caption, Centered, Dialogue, DialoguePart, Episode, Lyrics, Marker, SceneHeading, ScriptDocument,
    Transition,
)
from reelwright.errors import InputError
from reelwright.project.folder import Project, new_project
from reelwright.screenplay import parse_fdx, parse_script, write_fdx
from tests.helpers import write_tiny_project

# ---- one story, written by hand in every layout -----------------------------------------------------
# two scenes, two speakers, five lines of dialogue, a title card, a flashback

EN = """\
"The Debt"

Synopsis: A cook comes home to pay what he owes.

Characters:
Zhou Mei (34): owns the noodle shop.
Li Wei (36): her brother.

Episode 1: The Return

Scene 1-1: INT. NOODLE SHOP - NIGHT
Characters: Li Wei, Zhou Mei
Rain hammers the windows.
[TITLE CARD: Chengdu, 1983]
WEI: (quietly) You came back.
MEI: I never left.
MEI (V.O.): He always comes back.

Scene 1-2: EXT. ALLEY - DAY
[FLASHBACK]
Young Wei runs.
WEI: Wait for me!
[END FLASHBACK]
MEI: Go home, Wei.

Episode 2: Next time
"""

FOUNTAIN = """\
Title: The Debt
Episode: 1 - The Return

INT. NOODLE SHOP - NIGHT

Rain hammers the windows.

SUPER: Chengdu, 1983

WEI
(quietly)
You came back.

MEI
I never left.

MEI (V.O.)
He always comes back.

EXT. ALLEY - DAY

BEGIN FLASHBACK:

Young Wei runs.

WEI
Wait for me!

END FLASHBACK.

MEI
Go home, Wei.
"""

ZH = """\
《债》

大纲：厨师回乡还债。

人物小传：
周梅（34岁）：面馆老板。
李伟（36岁）：她的哥哥。

第1集：归来

1-1 夜 内 面馆
人物：李伟、周梅
△雨打着窗户。
【字幕：成都，1983年】
李伟：（轻声）你回来了。
周梅：我从没走。
周梅VO：他总会回来。

1-2 日 外 小巷
【闪回】
△少年李伟奔跑。
李伟：等等我！
【闪回结束】
周梅：回家吧。
"""

FDX = """\
<?xml version="1.0" encoding="UTF-8" standalone="no" ?>
<FinalDraft DocumentType="Script" Template="No" Version="5">
  <Content>
    <Paragraph Type="Scene Heading" Number="1">
      <Text>INT. NOODLE SHOP - NIGHT</Text>
    </Paragraph>
    <Paragraph Type="Action"><Text>Rain hammers </Text><Text Style="Bold">the windows.</Text></Paragraph>
    <Paragraph Type="Action"><Text>SUPER: Chengdu, 1983</Text></Paragraph>
    <Paragraph Type="Character"><Text>WEI</Text></Paragraph>
    <Paragraph Type="Parenthetical"><Text>(quietly)</Text></Paragraph>
    <Paragraph Type="Dialogue"><Text>You came back.</Text></Paragraph>
    <Paragraph>
      <DualDialogue>
        <Paragraph Type="Character"><Text>MEI</Text></Paragraph>
        <Paragraph Type="Dialogue"><Text>I never left.</Text></Paragraph>
        <Paragraph Type="Character"><Text>MEI (V.O.)</Text></Paragraph>
        <Paragraph Type="Dialogue"><Text>He always comes back.</Text></Paragraph>
      </DualDialogue>
    </Paragraph>
    <Paragraph Type="Transition"><Text>CUT TO:</Text></Paragraph>
    <Paragraph Type="Scene Heading" Number="2"><Text>EXT. ALLEY - DAY</Text></Paragraph>
    <Paragraph Type="Action"><Text>BEGIN FLASHBACK:</Text></Paragraph>
    <Paragraph Type="Shot"><Text>Young Wei runs.</Text></Paragraph>
    <Paragraph Type="Character"><Text>WEI</Text></Paragraph>
    <Paragraph Type="Dialogue"><Text>Wait for me!</Text></Paragraph>
    <Paragraph Type="Action"><Text>END FLASHBACK.</Text></Paragraph>
    <Paragraph Type="Character"><Text>MEI</Text></Paragraph>
    <Paragraph Type="Dialogue"><Text>Go home, Wei.</Text></Paragraph>
    <Paragraph Type="Action" Alignment="Center"><Text>THE END</Text></Paragraph>
  </Content>
  <TitlePage>
    <Content>
      <Paragraph Alignment="Center" Type="Title"><Text>The Debt</Text></Paragraph>
      <Paragraph Alignment="Center" Type="Title"><Text>Episode 1: The Return</Text></Paragraph>
      <Paragraph Alignment="Center" Type="Title"><Text>Written by</Text></Paragraph>
      <Paragraph Alignment="Center" Type="Title"><Text>A. Writer</Text></Paragraph>
      <Paragraph Alignment="Left" Type="Title"><Text>a.writer@example.com</Text></Paragraph>
    </Content>
  </TitlePage>
</FinalDraft>
"""


def english_docx(path: Path) -> Path:
    """The English story as a writer types it in Word: Title style, full-width colons and brackets, a soft
    line break between two lines of dialogue, non-breaking spaces, empty paragraphs."""
    d = docx.Document()
    d.add_paragraph("The Debt", style="Title")
    d.add_paragraph("Synopsis：A cook comes home to pay what he owes.")
    d.add_paragraph("Characters:", style="Heading 2")
    d.add_paragraph("Zhou Mei (34)：owns the noodle shop.")
    d.add_paragraph("Li Wei (36): her brother.")
    d.add_paragraph("")
    d.add_paragraph("Episode 1：The Return", style="Heading 1")
    d.add_paragraph("Scene 1-1：INT. NOODLE SHOP - NIGHT")
    d.add_paragraph("Characters：Li Wei, Zhou Mei")
    d.add_paragraph("Rain hammers the windows.")
    d.add_paragraph("【TITLE CARD：Chengdu, 1983】")
    d.add_paragraph("WEI：（quietly）You came back.")
    p = d.add_paragraph("MEI:\u00a0I never left.")
    p.add_run().add_break()  # a soft line break (Shift+Enter): the next line is its own line of the script
    p.add_run("MEI (V.O.): “He always comes back.”")
    d.add_paragraph("")
    d.add_paragraph("Scene 1-2: EXT. ALLEY - DAY")
    d.add_paragraph("[FLASHBACK]")
    d.add_paragraph("Young Wei runs.")
    d.add_paragraph("WEI: Wait for me!")
    d.add_paragraph("[END FLASHBACK]")
    d.add_paragraph("MEI: Go home, Wei.")
    d.add_paragraph("Episode 2: Next time", style="Heading 1")
    d.save(path)
    return path


def chinese_docx(path: Path) -> Path:
    d = docx.Document()
    d.add_paragraph("债", style="Title")
    d.add_paragraph("大纲：厨师回乡还债。")
    d.add_paragraph("人物小传：")
    d.add_paragraph("周梅（34岁）：面馆老板。")
    d.add_paragraph("李伟（36岁）：她的哥哥。")
    d.add_paragraph("第１集：归来", style="Heading 1")
    d.add_paragraph("１－１　夜　内　面馆")  # full-width digits, dash and spaces from a Chinese input method
    d.add_paragraph("人物：李伟、周梅")
    d.add_paragraph("△雨打着窗户。")
    d.add_paragraph("【字幕：成都，1983年】")
    p = d.add_paragraph("李伟：（轻声）你回来了。")
    p.add_run().add_break()
    p.add_run("周梅：我从没走。")
    d.add_paragraph("周梅VO：他总会回来。")
    d.add_paragraph("1-2 日 外 小巷")
    d.add_paragraph("【闪回】")
    d.add_paragraph("△少年李伟奔跑。")
    d.add_paragraph("李伟：等等我！")
    d.add_paragraph("【闪回结束】")
    d.add_paragraph("周梅：回家吧。")
    d.save(path)
    return path


def screenplay_docx(path: Path) -> Path:
    """A screenplay in Word with the element styles screenplay templates define, no blank paragraphs."""
    d = docx.Document()
    for name in ("Scene Heading", "Action", "Character", "Parenthetical", "Dialogue", "Transition"):
        d.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    d.add_paragraph("The Debt", style="Title")
    rows = [
        ("Scene Heading", "INT. NOODLE SHOP - NIGHT"), ("Action", "Rain hammers the windows."),
        ("Action", "SUPER: Chengdu, 1983"), ("Character", "WEI"), ("Parenthetical", "quietly"),
        ("Dialogue", "You came back."), ("Character", "MEI"), ("Dialogue", "I never left."),
        ("Character", "MEI (V.O.)"), ("Dialogue", "He always comes back."), ("Transition", "CUT TO:"),
        ("Scene Heading", "ALLEY - DAY"), ("Action", "Young Wei runs."), ("Character", "WEI"),
        ("Dialogue", "Wait for me!"), ("Character", "MEI"), ("Dialogue", "Go home, Wei."),
    ]
    for style, text in rows:
        d.add_paragraph(text, style=style)
    d.save(path)
    return path


def plain_screenplay_docx(path: Path) -> Path:
    """Fountain typed into Word without styles or blank paragraphs: one paragraph per element."""
    d = docx.Document()
    for text in ("Title: The Debt", "INT. NOODLE SHOP - NIGHT", "Rain hammers the windows.", "WEI", "(quietly)",
                 "You came back.", "MEI", "I never left.", "MEI (V.O.)", "He always comes back.",
                 "EXT. ALLEY - DAY", "Young Wei runs.", "WEI", "Wait for me!", "MEI", "Go home, Wei."):
        d.add_paragraph(text)
    d.save(path)
    return path


@pytest.fixture
def story(tmp_path) -> dict[str, Path]:
    files = {
        "en": tmp_path / "debt.txt", "fountain": tmp_path / "debt.fountain", "zh": tmp_path / "zhai.txt",
        "fdx": tmp_path / "debt.fdx",
    }
    files["en"].write_text(EN, encoding="utf-8")
    files["fountain"].write_text(FOUNTAIN, encoding="utf-8")
    files["zh"].write_text(ZH, encoding="utf-8")
    files["fdx"].write_text(FDX, encoding="utf-8")
    files["docx-en"] = english_docx(tmp_path / "debt.docx")
    files["docx-zh"] = chinese_docx(tmp_path / "zhai.docx")
    files["docx-styled"] = screenplay_docx(tmp_path / "debt-styled.docx")
    files["docx-plain"] = plain_screenplay_docx(tmp_path / "debt-plain.docx")
    return files


def stats(path: Path, capsys) -> dict:
    assert main(["parse", "--stats", str(path)]) == 0
    return json.loads(capsys.readouterr().out)


def test_one_story_same_stats_in_every_layout_and_file(story, capsys):
    got = {kind: stats(path, capsys) for kind, path in story.items()}
    for kind, s in got.items():
        assert (s["scenes"], s["dialogue"], len(s["characters"])) == (2, 5, 2), (kind, s)
    english = {k: s for k, s in got.items() if k not in ("zh", "docx-zh")}
    assert all(s["characters"] == ["WEI", "MEI"] for s in english.values()), english
    assert got["zh"] == got["docx-zh"] == {"scenes": 2, "dialogue": 5, "characters": ["李伟", "周梅"]}


def test_parse_prints_warnings_with_file_and_line(story, capsys):
    assert main(["parse", "--stats", str(story["en"])]) == 0
    err = capsys.readouterr().err
    assert err == (f"warning: {story['en']}:26: episode 2 has nothing under its marker (a heading for the next "
                   "episode?): skipped\n")


@pytest.mark.parametrize("name, text, line", [
    ("ep001.txt", ZH + "\n第2集：下集预告\n", 26),
    ("ep001.fdx", FDX.replace("  </Content>\n  <TitlePage>",
                              '    <Paragraph Type="New Act"><Text>EPISODE 2: Next time</Text></Paragraph>\n'
                              "  </Content>\n  <TitlePage>"), 30),
])
def test_trailing_next_episode_heading_is_skipped_in_every_layout(tmp_path, name, text, line):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    doc = parse_script(path)
    assert [e.number for e in doc.episodes] == [1]
    assert doc.warning_lines() == [f"{path}:{line}: episode 2 has nothing under its marker (a heading for the next "
                                   "episode?): skipped"]


# ---- Word ----------------------------------------------------------------------------------------------


def test_english_docx_elements_and_paragraph_numbers(story):
    doc = parse_script(story["docx-en"])
    assert doc.format == "en" and doc.title == "The Debt" and doc.outline == "A cook comes home to pay what he owes."
    assert [(b.name, b.age, b.line) for b in doc.bios] == [("Zhou Mei", 34, 4), ("Li Wei", 36, 5)]
    assert doc.aliases == {"WEI": "Li Wei", "MEI": "Zhou Mei"}
    ep = doc.episodes[0]
    assert (ep.number, ep.title, ep.line) == (1, "The Return", 7)
    scene, action, card, wei, mei, mei_vo = ep.elements[:6]
    assert (scene.location, scene.cast, scene.line) == ("NOODLE SHOP", ["Li Wei", "Zhou Mei"], 8)
    assert (card.text, card.label, card.line) == ("Chengdu, 1983", "TITLE CARD", 11)
    assert (wei.emotion, wei.text, wei.line) == ("quietly", "You came back.", 12)
    assert (mei.text, mei.line, mei_vo.extensions, mei_vo.text, mei_vo.line) == (
        "I never left.", 13, ["V.O."], "He always comes back.", 13)  # one paragraph, a soft line break
    assert doc.warning_lines() == [f"{story['docx-en']}:21: episode 2 has nothing under its marker (a heading "
                                   "for the next episode?): skipped"]


def test_chinese_docx(story):
    doc = parse_script(story["docx-zh"])
    assert doc.format == "zh" and doc.title == "债" and [b.name for b in doc.bios] == ["周梅", "李伟"]
    ep = doc.episodes[0]
    assert (ep.number, ep.title) == (1, "归来")
    first = ep.scenes()[0]
    assert (first.number, first.time, first.setting, first.location, first.line) == ("1-1", "夜", "INT", "面馆", 7)
    lines = [(d.character, d.text, d.line) for d in ep.dialogue()]
    assert lines[:3] == [("李伟", "你回来了。", 11), ("周梅", "我从没走。", 11), ("周梅", "他总会回来。", 12)]
    assert any(isinstance(e, Caption) and e.text == "成都，1983年" for e in ep.elements)


def test_screenplay_docx_by_paragraph_styles(story):
    doc = parse_script(story["docx-styled"])
    assert doc.format == "fountain" and doc.title == "The Debt"
    kinds = [type(e).__name__ for e in doc.episodes[0].elements]
    assert kinds == ["SceneHeading", "Action", "Action", "Dialogue", "Dialogue", "Dialogue", "Transition",
                     "SceneHeading", "Action", "Dialogue", "Dialogue"]
    wei = doc.episodes[0].dialogue()[0]
    assert (wei.emotion, wei.text, wei.line) == ("quietly", "You came back.", 5)
    alley = doc.episodes[0].scenes()[1]
    assert (alley.location, alley.time, alley.forced, alley.line) == ("ALLEY", "DAY", True, 13)


def test_plain_screenplay_docx_gets_blank_lines_between_elements(story):
    doc = parse_script(story["docx-plain"])
    assert doc.title == "The Debt" and doc.stats() == {"scenes": 2, "dialogue": 5, "characters": ["WEI", "MEI"]}
    assert doc.episodes[0].dialogue()[0].emotion == "quietly"


def test_unreadable_docx_is_an_input_error(tmp_path):
    bad = tmp_path / "ep001.docx"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(InputError, match=r"ep001\.docx: cannot read this Word file"):
        parse_script(bad)
    with pytest.raises(InputError, match="file not found"):
        parse_script(tmp_path / "missing.docx")


def test_empty_docx_is_an_error_naming_the_paragraph(tmp_path):
    d = docx.Document()
    d.add_paragraph("Episode 1")
    d.add_paragraph("Scene 1-1: INT. SHOP - NIGHT")
    d.add_paragraph("Wei says - you came back.")
    d.save(tmp_path / "ep001.docx")
    with pytest.raises(InputError, match=r"ep001\.docx:3: 1 scene line\(s\) but no dialogue: this looks like the "
                                         r"English short-drama layout but no line matched `NAME: text`"):
        parse_script(tmp_path / "ep001.docx")


def test_docx_tables_are_named_when_they_hold_the_script(tmp_path):
    d = docx.Document()
    d.add_paragraph("Episode 1")
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "WEI", "You came back."
    d.save(tmp_path / "ep001.docx")
    with pytest.raises(InputError, match=r"ep001\.docx:1: no scenes and no dialogue: .*; the document's 1 table\(s\) "
                                         r"are not read"):
        parse_script(tmp_path / "ep001.docx")
    d.add_paragraph("Scene 1-1: INT. SHOP - NIGHT")
    d.add_paragraph("WEI: You came back.")
    d.save(tmp_path / "ep002.docx")
    assert parse_script(tmp_path / "ep002.docx").warning_lines() == [
        f"{tmp_path / 'ep002.docx'}:1: 1 table(s) in the document are not read: only paragraphs are (put the script "
        "there)"]


# ---- Final Draft -----------------------------------------------------------------------------------------


def test_fdx_elements(story):
    doc = parse_script(story["fdx"])
    assert doc.title == "The Debt" and doc.title_page == {"Title": "The Debt", "Credit": "Written by",
                                                          "Author": "A. Writer", "Contact": "a.writer@example.com"}
    ep = doc.episodes[0]
    assert (ep.number, ep.title) == (1, "The Return")
    kinds = [(type(e).__name__, e.line) for e in ep.elements]
    assert kinds == [("SceneHeading", 4), ("Action", 7), ("Caption", 8), ("Dialogue", 9), ("Dialogue", 14),
                     ("Dialogue", 16), ("Transition", 20), ("SceneHeading", 21), ("Marker", 22), ("Action", 23),
                     ("Dialogue", 24), ("Marker", 26), ("Dialogue", 27), ("Centered", 29)]
    heading, action, card, wei, mei, mei_vo = ep.elements[:6]
    assert (heading.number, heading.setting, heading.location, heading.time) == ("1", "INT", "NOODLE SHOP", "NIGHT")
    assert action.text == "Rain hammers **the windows.**" and (card.text, card.label) == ("Chengdu, 1983", "SUPER")
    assert (wei.emotion, wei.parts[0].kind, wei.text) == ("quietly", "parenthetical", "You came back.")
    assert (mei.dual, mei_vo.dual, mei_vo.extensions) == (False, True, ["V.O."])


def full_document() -> ScriptDocument:
    """Every element a Final Draft file holds, in two episodes."""
    one = [
        SceneHeading(text="INT. HOUSE - DAY", setting="INT", location="HOUSE", time="DAY", number="1"),
        Action(text="Bob *runs*.\n_**Fast.**_ ***Very***"),
        Dialogue(character="BOB", extensions=["V.O."], emotion="sad",
                 parts=[DialoguePart(kind="parenthetical", text="sad"), DialoguePart(text="Hi."),
                        DialoguePart(kind="parenthetical", text="beat"), DialoguePart(text="Bye.")]),
        Dialogue(character="ANN", parts=[DialoguePart(text="Yes.")]),
        Dialogue(character="CAL", dual=True, parts=[DialoguePart(text="No.")]),
        Transition(text="CUT TO:"),
        Caption(text="Paris, 1920", label="SUPER"),
        Marker(kind="flashback_start"), Action(text="Young Bob."), Marker(kind="flashback_end"),
        Centered(text="THE END"), Lyrics(text="la la la"),
    ]
    two = [SceneHeading(text="EXT. PARK - NIGHT", setting="EXT", location="PARK", time="NIGHT", number="2"),
           Dialogue(character="BOB", parts=[DialoguePart(text="Again.")])]
    return ScriptDocument(title="Big Fish", title_page={"Title": "Big Fish", "Credit": "Written by",
                                                         "Author": "A. Writer", "Contact": "1 Main St"},
                          episodes=[Episode(number=1, title="One", elements=one),
                                    Episode(number=2, elements=two)])


def without_lines(obj):
    if isinstance(obj, ScriptDocument):
        obj = obj.model_dump(mode="json")
    if isinstance(obj, dict):
        return {k: without_lines(v) for k, v in obj.items() if k not in ("line", "source")}
    if isinstance(obj, list):
        return [without_lines(v) for v in obj]
    return obj


def test_fdx_written_and_read_back():
    doc = full_document()
    xml = write_fdx(doc)
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n<FinalDraft DocumentType="Script"')
    assert '<Paragraph Type="New Act">' in xml and "<DualDialogue>" in xml
    assert '<Text Style="Italic">runs</Text>' in xml and '<Text Style="Underline+Bold">Fast.</Text>' in xml
    again = parse_fdx(xml.encode("utf-8"))
    assert without_lines(again) == without_lines(doc)
    assert write_fdx(again) == xml
    single = ScriptDocument(episodes=[Episode(number=3, title="Three", elements=doc.episodes[1].elements)])
    back = parse_fdx(write_fdx(single).encode())
    assert [(e.number, e.title) for e in back.episodes] == [(3, "Three")]


def test_fdx_refuses_entities_and_names_the_line_of_bad_xml(tmp_path):
    bomb = tmp_path / "bomb.fdx"
    bomb.write_text('<?xml version="1.0"?>\n<!DOCTYPE FinalDraft [<!ENTITY a "aaaaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;">]>\n<FinalDraft><Content><Paragraph Type="Action">'
                    "<Text>&b;</Text></Paragraph></Content></FinalDraft>\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bomb\.fdx: refused: the file declares XML entities"):
        parse_script(bomb)
    external = tmp_path / "external.fdx"
    external.write_text('<?xml version="1.0"?>\n<!DOCTYPE FinalDraft [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                        '<FinalDraft><Content><Paragraph Type="Action"><Text>&x;</Text></Paragraph></Content>'
                        "</FinalDraft>\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"external\.fdx: refused: the file declares XML entities"):
        parse_script(external)
    broken = tmp_path / "broken.fdx"
    broken.write_text('<?xml version="1.0"?>\n<FinalDraft>\n<Content>\n<Paragraph Type="Action">\n</Content>\n',
                      encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.fdx:5: not well-formed Final Draft XML: mismatched tag"):
        parse_script(broken)
    other = tmp_path / "other.fdx"
    other.write_text("<html><body/></html>\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"other\.fdx:1: not a Final Draft file"):
        parse_script(other)


# ---- conversion between all formats ----------------------------------------------------------------------

TARGETS = ["fountain", "zh", "english", "fdx"]


@pytest.mark.parametrize("source", ["en", "fountain", "zh", "fdx", "docx-en"])
@pytest.mark.parametrize("target", TARGETS)
def test_parse_to_converts_between_all_formats(story, capsys, tmp_path, source, target):
    original = parse_script(story[source])
    assert main(["parse", str(story[source]), "--to", target]) == 0
    written = capsys.readouterr().out
    suffix = {"fountain": ".fountain", "fdx": ".fdx"}.get(target, ".txt")
    out = tmp_path / f"converted{suffix}"
    out.write_text(written, encoding="utf-8")
    converted = parse_script(out)
    assert converted.format == {"zh": "zh", "english": "en"}.get(target, "fountain")
    assert (converted.stats()["scenes"], converted.stats()["dialogue"]) == (2, 5)
    assert [d.text for e in converted.episodes for d in e.dialogue()] == \
        [d.text for e in original.episodes for d in e.dialogue()]
    assert converted.title == original.title


# ---- build picks them up ----------------------------------------------------------------------------------


def test_project_discovers_docx_and_fdx_scripts(tmp_path):
    root = new_project(tmp_path / "p", "en", "The Debt")
    for p in (root / "scripts").iterdir():
        p.unlink()
    english_docx(root / "scripts" / "ep001.docx")
    (root / "scripts" / "ep002.fdx").write_text(
        write_fdx(ScriptDocument(episodes=[Episode(number=2, elements=full_document().episodes[1].elements)])),
        encoding="utf-8")
    (root / "scripts" / "~$ep001.docx").write_bytes(b"Word's lock file")
    project = Project.load(root)
    assert sorted(project.episodes) == [1, 2]
    assert project.episodes[1].path.suffix == ".docx" and project.episodes[2].path.suffix == ".fdx"
    assert project.warnings == [f"{root / 'scripts' / 'ep001.docx'}:21: episode 2 has nothing under its marker "
                                "(a heading for the next episode?): skipped"]


# ---- docs/scripts.md runs ------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs" / "scripts.md"


def test_docs_examples_run(tmp_path, capsys):
    """The example script of docs/scripts.md parses as documented (as .txt and .docx), the commands of its first
    block run, and the error quoted there is the one a user gets."""
    text = DOCS.read_text(encoding="utf-8")
    example = re.search(r"<!-- file: debt.txt -->\n```text\n(.*?)```", text, re.S).group(1)
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "ep001.txt").write_text(example, encoding="utf-8")
    d = docx.Document()
    for line in example.split("\n"):
        d.add_paragraph(line)
    d.save(scripts / "ep001.docx")
    (scripts / "ep001.fountain").write_text(FOUNTAIN, encoding="utf-8")
    commands = re.findall(r"^reelwright (parse .*?)(?:\s+#.*)?$", text.split("```sh", 1)[1].split("```", 1)[0], re.M)
    assert [c.split()[1] for c in commands] == ["scripts/ep001.docx", "scripts/ep001.txt", "scripts/ep001.fountain"]
    for command in commands:
        argv = command.split(" > ")[0].split()  # the shell's redirection is capsys here
        argv = [str(tmp_path / a) if a.startswith("scripts/") else a for a in argv]
        assert main(argv) == 0 and capsys.readouterr().out
    doc = parse_script(scripts / "ep001.txt")
    assert doc.format == "en" and doc.aliases == {"WEI": "Li Wei", "MEI": "Zhou Mei"}
    assert doc.stats() == parse_script(scripts / "ep001.docx").stats() == {
        "scenes": 2, "dialogue": 3, "characters": ["WEI", "MEI"]}
    quoted = re.search(r"```text\n(error: .*?)\n```", text, re.S).group(1)
    bad = scripts / "bad.txt"
    bad.write_text("Episode 1\nScene 1-1: INT. SHOP - NIGHT\nWei says - you came back.\n", encoding="utf-8")
    assert main(["parse", str(bad)]) == 2
    assert capsys.readouterr().err.strip() == quoted.replace("scripts/ep001.txt", str(bad))


@pytest.mark.slow
def test_build_from_a_word_script_speaks_with_the_linked_characters(tmp_path, capsys):
    """An English-layout .docx in scripts/ builds with no setting: WEI is Li Wei in the bible, the trailing
    'Episode 2' heading is a warning and no episode 2 is rendered."""
    root = write_tiny_project(tmp_path / "p", "", name="ep001.fountain")
    (root / "scripts" / "ep001.fountain").unlink()
    english_docx(root / "scripts" / "ep001.docx")
    assert main(["build", str(root), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert f"warning: {root / 'scripts' / 'ep001.docx'}:21: episode 2 has nothing under its marker" in captured.err
    assert (root / "build" / "ep001.mp4").stat().st_size > 0 and not (root / "build" / "ep002.mp4").exists()
    srt = (root / "build" / "ep001.srt").read_text(encoding="utf-8")
    assert "You came back." in srt and "Go home, Wei." in srt
    project = Project.load(root)
    assert project.bible.character("WEI").name == "Li Wei" and project.bible.character("MEI").name == "Zhou Mei"
    assert "WEI" in project.bible.character("Li Wei").aliases and project.bible.character("Li Wei").age == 36

"""The English short-drama layout: every element, cue linking, warnings, detection, round trips, errors."""

from __future__ import annotations

import pytest

from reelwright.documents.base import load_document, save_document
from reelwright.documents.bible import Bible
from reelwright.documents.script import (
    Action, Caption, Dialogue, Marker, Note, SceneHeading, ScriptDocument, Transition,
)
from reelwright.errors import InputError
from reelwright.project.folder import Project, new_project
from reelwright.screenplay import (
    detect_format, parse_english, parse_script, parse_text, write_chinese, write_english, write_fountain,
)
from reelwright.screenplay.names import link_cues

DEBT = """\
"The Debt"

Synopsis: A cook comes home to Chengdu to pay what he owes.
His sister never forgave him.

Characters:
Zhou Mei (34): owns the noodle shop; says little.
Li Wei (36, cook): her brother, back after ten years.
  Still owes the Tang family.

Episode 1: The Return

Scene 1-1: INT. NOODLE SHOP - NIGHT
Characters: Li Wei, Zhou Mei
Rain hammers the windows. Mei wipes the counter.
She does not look up.

[TITLE CARD: Chengdu, 1983]
WEI: (quietly) You came back.
MEI (V.O.): I never left.
MEI (O.S.): "Close the door."
SFX: Thunder.
CUT TO:

1-2 EXT. ALLEY - DAY
[FLASHBACK]
Young Wei runs through the rain.
WEI: Wait for me!
[END FLASHBACK]
[Note: check the alley location]

EPISODE 2

Scene 2-1: INT. NOODLE SHOP - MORNING
[CAPTION: The next day]
Mei：Eat first. Talk later.
"""


def elements(doc: ScriptDocument, n: int = 0) -> list:
    return doc.episodes[n].elements


def comparable(obj):
    if isinstance(obj, ScriptDocument):
        obj = obj.model_dump(mode="json")
    if isinstance(obj, dict):
        return {k: comparable(v) for k, v in obj.items() if k not in ("line", "source", "warnings")}
    if isinstance(obj, list):
        return [comparable(v) for v in obj]
    return obj


# ---- the elements --------------------------------------------------------------------------------


def test_preamble_feeds_title_synopsis_and_bios_never_dialogue():
    doc = parse_text(DEBT, "debt.txt")
    assert doc.format == "en" and doc.title == "The Debt"
    assert doc.outline == "A cook comes home to Chengdu to pay what he owes.\nHis sister never forgave him."
    assert [(b.name, b.age, b.description, b.line) for b in doc.bios] == [
        ("Zhou Mei", 34, "owns the noodle shop; says little.", 7),
        ("Li Wei", 36, "cook, her brother, back after ten years.\nStill owes the Tang family.", 8),
    ]
    assert all(d.line > 11 for ep in doc.episodes for d in ep.dialogue())


def test_episode_one_every_element_in_order():
    doc = parse_text(DEBT, "debt.txt")
    ep = doc.episodes[0]
    assert (ep.number, ep.title, ep.line) == (1, "The Return", 11)
    kinds = [(type(e).__name__, e.line) for e in ep.elements]
    assert kinds == [
        ("SceneHeading", 13), ("Action", 15), ("Caption", 18), ("Dialogue", 19), ("Dialogue", 20),
        ("Dialogue", 21), ("Action", 22), ("Transition", 23), ("SceneHeading", 25), ("Marker", 26),
        ("Action", 27), ("Dialogue", 28), ("Marker", 29), ("Note", 30),
    ]
    s1, action, card, wei, mei_vo, mei_os, sfx, cut, s2, fb, young, _, fb_end, note = ep.elements
    assert (s1.number, s1.setting, s1.location, s1.time, s1.cast) == (
        "1-1", "INT", "NOODLE SHOP", "NIGHT", ["Li Wei", "Zhou Mei"])
    assert action.text == "Rain hammers the windows. Mei wipes the counter.\nShe does not look up."
    assert (card.text, card.label) == ("Chengdu, 1983", "TITLE CARD")
    assert (wei.character, wei.emotion, wei.text, wei.parentheticals) == ("WEI", "quietly", "You came back.",
                                                                        ["quietly"])
    assert (mei_vo.character, mei_vo.extensions, mei_vo.text) == ("MEI", ["V.O."], "I never left.")
    assert (mei_os.extensions, mei_os.text) == (["O.S."], "Close the door.")  # quotes around a line come off
    assert sfx.text == "SFX: Thunder." and isinstance(cut, Transition) and cut.text == "CUT TO:"
    assert (s2.number, s2.setting, s2.location, s2.time, s2.text) == ("1-2", "EXT", "ALLEY", "DAY",
                                                                    "1-2 EXT. ALLEY - DAY")
    assert (fb.kind, fb_end.kind, young.text) == ("flashback_start", "flashback_end", "Young Wei runs through the rain.")
    assert isinstance(note, Note) and note.text == "check the alley location"


def test_episode_marker_forms_scene_forms_and_full_width_colon():
    doc = parse_text(DEBT, "debt.txt")
    ep2 = doc.episodes[1]
    assert (ep2.number, ep2.title) == (2, None)
    scene, caption, mei = ep2.elements
    assert (scene.number, scene.time) == ("2-1", "MORNING")
    assert (caption.text, caption.label) == ("The next day", "CAPTION")
    assert (mei.character, mei.text) == ("Mei", "Eat first. Talk later.")  # Title Case: a bio's name, '：'
    more = parse_english("## Episode 3 - Debts\n\n**Scene 3: Noodle shop, night**\nMEI: Go.\n"
                         "Ep. 4: Paid\nINT. TANG HOUSE - DAY\nWEI: Here.\n")
    (s3, _), (s4, _) = (e.elements for e in more.episodes)
    assert [(e.number, e.title) for e in more.episodes] == [(3, "Debts"), (4, "Paid")]
    assert (s3.number, s3.location, s3.time) == ("3", "Noodle shop", "night")
    assert (s4.number, s4.setting, s4.location) == (None, "INT", "TANG HOUSE")


def test_title_forms():
    for first in ('"The Debt"', "“The Debt”", "《The Debt》", "Title: The Debt"):
        doc = parse_english(f"{first}\n\nEpisode 1\nScene 1-1: INT. SHOP - DAY\nWEI: Hi.\n")
        assert doc.title == "The Debt" and doc.episodes[0].dialogue()[0].text == "Hi."


def test_bios_without_header_bullets_and_series_cast():
    doc = parse_text("Logline: A debt comes due.\n\n- Zhou Mei (34): owner\n* Li Wei (age 36): brother\n"
                        "Cast: Old Tang, Tang Jun\n\nEpisode 1\nScene 1-1: INT. SHOP - DAY\nTANG: Pay.\n")
    assert doc.outline == "A debt comes due."
    assert [(b.name, b.age, b.description) for b in doc.bios] == [
        ("Zhou Mei", 34, "owner"), ("Li Wei", 36, "brother"), ("Old Tang", None, ""), ("Tang Jun", None, "")]
    # TANG is a word of two full names: not linked, with a warning that says where to decide
    assert doc.aliases == {}
    assert [w.line for w in doc.warnings] == [9] and "'TANG' could be 'Old Tang' or 'Tang Jun'" in \
        doc.warnings[0].message


def test_script_without_episode_markers_starts_at_its_body():
    doc = parse_text("INT. SHOP - DAY\nWEI: Hi.\nMEI: Hello.\n", "scripts/ep007.txt", "en")
    assert [e.number for e in doc.episodes] == [7]
    doc = parse_text('"The Debt"\n\nWEI: Hi.\nMEI: Hello.\n', "ep002.txt", "en")
    assert doc.title == "The Debt" and [d.character for d in doc.episodes[0].dialogue()] == ["WEI", "MEI"]


def test_markdown_as_chat_tools_write_it():
    doc = parse_text('# The Debt\n\n**Logline:** A cook comes home.\n\n## Episode One: "The Return"\n\n'
                     "**SCENE 1 – INT. NOODLE SHOP – NIGHT**\n\n(Rain hammers the windows.)\n\n"
                     "**LI WEI:** *(whispering)* You came back.\n\n**ZHOU MEI**: (not looking up) I never left.\n\n"
                     "[CUT TO:]\n\n[SFX: thunder]\n", "x.md")
    assert (doc.format, doc.title, doc.outline) == ("en", "The Debt", "A cook comes home.")
    ep = doc.episodes[0]
    assert (ep.number, ep.title) == (1, "The Return")
    scene, rain, wei, mei, cut, sfx = ep.elements
    assert (scene.number, scene.setting, scene.location, scene.time) == ("1", "INT", "NOODLE SHOP", "NIGHT")
    assert (wei.character, wei.emotion, wei.text) == ("LI WEI", "whispering", "You came back.")
    assert (mei.character, mei.emotion, mei.text) == ("ZHOU MEI", "not looking up", "I never left.")
    assert (type(rain), type(cut), cut.text, type(sfx), sfx.text) == (Action, Transition, "CUT TO:", Action,
                                                                      "[SFX: thunder]")


def test_unbracketed_labels_and_flashback_words():
    doc = parse_english(
        "Episode 1\nScene 1-1: EXT. ROOF - NIGHT\nTITLE CARD: Ten years earlier\nFLASHBACK:\n"
        "Action: Wei counts money.\nMusic: a radio plays.\nWEI: One more.\nBACK TO PRESENT\n"
        "Later that night: the roof is empty.\nNote: shoot at dusk\n[She turns away.]\nFADE OUT.\n")
    kinds = [(type(e).__name__, getattr(e, "text", getattr(e, "kind", None))) for e in elements(doc)]
    assert kinds == [
        ("SceneHeading", "Scene 1-1: EXT. ROOF - NIGHT"), ("Caption", "Ten years earlier"),
        ("Marker", "flashback_start"), ("Action", "Wei counts money."), ("Action", "Music: a radio plays."),
        ("Dialogue", "One more."), ("Marker", "flashback_end"), ("Action", "Later that night: the roof is empty."),
        ("Note", "shoot at dusk"), ("Action", "[She turns away.]"), ("Transition", "FADE OUT."),
    ]
    assert doc.warnings == []


def test_dialect_line_with_its_standard_subtitle_round_trips():
    doc = parse_english("Episode 1\nScene 1-1: INT. A - DAY\n"
                        "LAO WANG: (grumbling) Ni zha ge hai bu lai ma? [subtitle: Why aren't you here yet?]\n"
                        "MEI: Coming. 【字幕：I'm coming.】\nMEI: Wait. [subtitle: ]\n", "x.txt")
    wang, mei, wait = doc.episodes[0].dialogue()
    assert (wang.text, wang.subtitle, wang.emotion, wang.written) == (
        "Ni zha ge hai bu lai ma?", "Why aren't you here yet?", "grumbling", "Why aren't you here yet?")
    assert (mei.text, mei.subtitle) == ("Coming.", "I'm coming.")
    assert (wait.text, wait.subtitle) == ("Wait.", None) and doc.warnings[0].line == 5
    written = write_english(doc)
    assert "LAO WANG: (grumbling) Ni zha ge hai bu lai ma? [subtitle: Why aren't you here yet?]" in written
    assert comparable(parse_english(written)) == comparable(doc)


def test_title_case_speaker_needs_a_bio_a_cast_line_or_two_lines():
    once = parse_english("Episode 1\nScene 1-1: INT. A - DAY\nOutside: rain.\nBOB: Hi.\n")
    assert [type(e) for e in elements(once)] == [SceneHeading, Action, Dialogue]
    twice = parse_english("Episode 1\nScene 1-1: INT. A - DAY\nWaiter: Tea?\nBOB: Hi.\nWaiter: Sugar?\n")
    assert [d.character for d in twice.episodes[0].dialogue()] == ["Waiter", "BOB", "Waiter"]
    cast = parse_english("Episode 1\nScene 1-1: INT. A - DAY\nCharacters: Waiter, Bob\nWaiter: Tea?\nBOB: Hi.\n")
    assert [d.character for d in cast.episodes[0].dialogue()] == ["Waiter", "BOB"]
    chinese_name = parse_english("Episode 1\nScene 1-1: INT. A - DAY\n林晚: Hello.\n")
    assert chinese_name.episodes[0].dialogue()[0].character == "林晚"


# ---- cue linking ----------------------------------------------------------------------------------


def test_short_cues_are_linked_to_full_names_and_recorded():
    doc = parse_text(DEBT, "debt.txt")
    assert doc.aliases == {"WEI": "Li Wei", "MEI": "Zhou Mei", "Mei": "Zhou Mei"}
    assert doc.stats()["characters"] == ["WEI", "MEI", "Mei"]  # cues stay as written; the link is on the side
    same = parse_english("Characters:\nLi Wei (36): cook\n\nEpisode 1\nScene 1-1: INT. A - DAY\nLI WEI: Hi.\n")
    assert link_free(same)


def test_fountain_title_page_characters_link_cues_too():
    doc = parse_text("Title: The Debt\nCharacters:\n\tLi Wei (36): cook\n\tZhou Mei (34): owner\n\n"
                     "INT. SHOP - NIGHT\n\nWEI\nYou came back.\n\nMEI\nI never left.\n", "ep001.fountain")
    assert doc.format == "fountain" and doc.aliases == {"WEI": "Li Wei", "MEI": "Zhou Mei"}


def test_a_listed_short_name_is_its_own_character():
    doc = parse_text("Episode 1\nScene 1-1: INT. A - DAY\nCharacters: Young Mei, Mei, Li Wei\nMEI: Hi.\n"
                     "YOUNG MEI: Hello.\nWEI: Hey.\n", "x.txt")
    assert doc.aliases == {"WEI": "Li Wei"}


def link_free(doc: ScriptDocument) -> bool:
    return link_cues(doc).aliases == {}  # a cue equal to the full name but for case needs no link


def test_links_become_bible_aliases_the_user_can_correct(tmp_path):
    root = new_project(tmp_path / "p", "en", "The Debt")
    for p in (root / "scripts").iterdir():
        p.unlink()
    (root / "scripts" / "ep001.txt").write_text(DEBT, encoding="utf-8")
    project = Project.load(root)
    assert project.warnings == []
    project.sync_bible()
    bible = load_document(root / "bible.yaml", Bible)
    wei = bible.character("WEI")
    assert wei is not None and wei.name == "Li Wei" and "WEI" in wei.aliases and wei.age == 36
    assert bible.character("Mei").name == "Zhou Mei"
    assert not any(c.name in ("WEI", "MEI") for c in bible.characters)
    # the user moves the alias to another character in bible.yaml: the next sync keeps that choice
    li_wei = bible.character("Li Wei")
    li_wei.aliases.remove("WEI")
    bible.characters.append(li_wei.model_copy(update={"name": "Wei Jr", "aliases": ["WEI"]}))
    save_document(bible, root / "bible.yaml")
    project = Project.load(root)
    project.sync_bible()
    assert project.bible.character("WEI").name == "Wei Jr"
    assert "WEI" not in project.bible.character("Li Wei").aliases


# ---- warnings and errors -------------------------------------------------------------------------


def test_trailing_episode_marker_is_skipped_with_a_warning(tmp_path):
    path = tmp_path / "ep001.txt"
    path.write_text("Episode 1\nScene 1-1: INT. A - DAY\nWEI: Hi.\n\nEpisode 2: Next time\n", encoding="utf-8")
    doc = parse_script(path)
    assert [e.number for e in doc.episodes] == [1]
    assert doc.warning_lines() == [f"{path}:5: episode 2 has nothing under its marker (a heading for the next "
                                   "episode?): skipped"]


def test_lenient_readings_warn():
    doc = parse_english("Episode 1\nScene 1-1: INT. A - DAY\n[FLASHBACK]\nWEI: (nods)\n[CAPTION: ]\n"
                        "[END FLASHBACK]\n[END FLASHBACK]\n[FLASHBACK]\nMEI: Go.\n\nEpisode 2\n"
                        "Scene 2-1: INT. B - DAY\nMEI: Back.\n", "x.txt")
    assert [(w.line, w.message.split(":")[0].split(" (")[0]) for w in doc.warnings] == [
        (4, "'WEI"), (5, "empty caption '[CAPTION"), (7, "end of a flashback that never started"),
        (8, "flashback opened here is not closed before the end of episode 1; it is closed there"),
    ]
    assert isinstance(elements(doc)[2], Action) and elements(doc)[2].text == "WEI: (nods)"
    assert [e.kind for e in elements(doc) if isinstance(e, Marker)] == [
        "flashback_start", "flashback_end", "flashback_start", "flashback_end"]


def test_no_dialogue_is_an_error_naming_the_layout(tmp_path):
    path = tmp_path / "ep001.txt"
    path.write_text('"The Debt"\n\nEpisode 1\nScene 1-1: INT. A - DAY\nCharacters: Li Wei\n'
                    "Li Wei says - you came back.\nEpisode 2\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        parse_script(path)
    assert str(info.value) == (f"{path}:6: 1 scene line(s) but no dialogue: this looks like the English "
                               "short-drama layout but no line matched `NAME: text` (a speaker's name, a colon, "
                               "then the words, e.g. 'WEI: You came back.')")
    prose = tmp_path / "ep002.txt"
    prose.write_text("It was a dark and stormy night.\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"ep002\.txt:1: no scenes and no dialogue: nothing here reads as a script"):
        parse_script(prose)


def test_parse_script_warns_when_there_is_no_scene_line(tmp_path):
    path = tmp_path / "ep001.txt"
    path.write_text("Episode 1\nWEI: Hi.\nMEI: Hello.\n", encoding="utf-8")
    assert parse_script(path).warning_lines() == [
        f"{path}:1: no scene line: the episode plays in one unnamed place (add a scene line such as "
        "'Scene 1-1: INT. PLACE - DAY')"]


# ---- detection ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, fmt", [
    (DEBT, "en"),
    ("Episode 1\n1-1 INT. SHOP - NIGHT\nWEI: Hi.\n", "en"),
    ("INT. SHOP - NIGHT\n\nWEI: Hi.\nMEI: Hello.\n", "en"),
    ("INT. SHOP - NIGHT\n\nWEI\nHi.\n\nMEI\nHello.\n", "fountain"),
    ("Title: The Debt\nAuthor: Me\nCharacters:\n\tLi Wei (36): cook\n\nINT. A - DAY\n\nWEI\nHi.\n", "fountain"),
    ("# Episode 1: One\n\nINT. A - DAY\n\nWEI\nHi.\n", "fountain"),
    ("第1集\n1-1 日 内 客厅\n林晚：你好。\n", "zh"),
])
def test_detect_format(text, fmt):
    assert detect_format(text) == fmt


# ---- writing --------------------------------------------------------------------------------------


def test_round_trip():
    doc = parse_text(DEBT, "debt.txt")
    written = write_english(doc)
    again = parse_text(written)
    assert comparable(again) == comparable(doc)
    assert write_english(again) == written
    assert "\n1-2 EXT. ALLEY - DAY\n" in written and "MEI (V.O.): I never left." in written
    assert "[TITLE CARD: Chengdu, 1983]" in written and "WEI: (quietly) You came back." in written


def test_action_that_would_read_as_another_element_is_labelled():
    doc = parse_english("Episode 1\nScene 1-1: INT. A - DAY\nWEI: Hi.\n")
    doc.episodes[0].elements.append(Action(text="NOTE: not a note\nCUT TO:\nplain"))
    doc.episodes[0].elements.append(Caption(text="Chengdu", label="CAPTION"))
    written = write_english(doc)
    assert "Action: NOTE: not a note\nAction: CUT TO:\nplain\n" in written and "[CAPTION: Chengdu]" in written
    assert comparable(parse_english(written)) == comparable(doc)


@pytest.mark.parametrize("writer", [write_fountain, write_chinese])
def test_other_layouts_convert_to_english_and_back(writer):
    doc = parse_text(DEBT, "debt.txt")
    other = parse_text(writer(doc))
    assert other.format != "en"
    back = parse_text(write_english(other))
    assert back.format == "en"
    assert [d.text for ep in back.episodes for d in ep.dialogue()] == \
        [d.text for ep in doc.episodes for d in ep.dialogue()]
    assert back.stats() == doc.stats()
    assert [(s.setting, s.location, s.time) for ep in back.episodes for s in ep.scenes()] == \
        [(s.setting, s.location, s.time) for ep in doc.episodes for s in ep.scenes()]

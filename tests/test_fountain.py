"""Fountain 1.1 parser and writer: every element, the tricky cases, round trips, errors, a real script."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelwright.documents.script import (
    Action,
    Caption,
    Centered,
    Dialogue,
    DialoguePart,
    Episode,
    Lyrics,
    Marker,
    Note,
    PageBreak,
    SceneHeading,
    ScriptDocument,
    Section,
    Synopsis,
    Transition,
    plain,
)
from reelwright.errors import InputError
from reelwright.screenplay import parse_fountain, parse_script, write_fountain

DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "scripts"
CYBER_BOB = SHARED / "cyber_bob_ep00001.fountain"


def els(text: str, path: str | None = None) -> list:
    return parse_fountain(text, path).episodes[0].elements


def one(text: str):
    found = els(text)
    assert len(found) == 1, found
    return found[0]


def comparable(obj):
    """A model dump without ``line`` and ``source``: what a round trip must keep."""
    if isinstance(obj, ScriptDocument):
        obj = obj.model_dump(mode="json")
    if isinstance(obj, dict):
        return {k: comparable(v) for k, v in obj.items() if k not in ("line", "source")}
    if isinstance(obj, list):
        return [comparable(v) for v in obj]
    return obj


def assert_round_trip(text: str) -> ScriptDocument:
    doc = parse_fountain(text)
    written = write_fountain(doc)
    again = parse_fountain(written)
    assert comparable(again) == comparable(doc), written
    assert write_fountain(again) == written
    return doc


# ---- title page ---------------------------------------------------------------------------------


def test_title_page_keys_multiline_values_and_end_at_first_blank_line():
    doc = parse_fountain(
        "Title:\n\t_Big_ **Fish**\n\tpart two\nCredit: by\nAuthor: A. Writer\nContact:\n   1 Main St\n"
        "   Town\nDraft date: 2020-01-01\n\nNotes: this is action\n"
    )
    assert doc.title_page == {
        "Title": "_Big_ **Fish**\npart two",
        "Credit": "by",
        "Author": "A. Writer",
        "Contact": "1 Main St\nTown",
        "Draft date": "2020-01-01",
    }
    assert list(doc.title_page) == ["Title", "Credit", "Author", "Contact", "Draft date"]
    assert doc.title == "Big Fish"
    (action,) = doc.episodes[0].elements
    assert isinstance(action, Action) and action.text == "Notes: this is action" and action.line == 11


def test_title_page_only_and_empty_file_have_no_elements():
    for text in ("", "\n\n", "Title: Only a title\nAuthor: Me\n"):
        doc = parse_fountain(text)
        assert len(doc.episodes) == 1 and doc.episodes[0].elements == []
    assert parse_fountain("Title: Only a title\n").title == "Only a title"


def test_not_a_title_page():
    # an all-caps "key" with nothing after it is script, not a title page
    doc = parse_fountain("FADE IN:\n\nINT. HOUSE - DAY\n")
    assert doc.title_page == {}
    assert [type(e) for e in doc.episodes[0].elements] == [Action, SceneHeading]  # only "…TO:" is a transition
    doc = parse_fountain("CUT TO:\n\nINT. HOUSE - DAY\n")
    assert [type(e) for e in doc.episodes[0].elements] == [Transition, SceneHeading]
    # a block with a line that is neither a key nor indented is action
    doc = parse_fountain("Note: he runs.\nHe falls.\n")
    assert doc.title_page == {} and doc.episodes[0].elements[0].text == "Note: he runs.\nHe falls."
    # the title page must open the file
    assert parse_fountain("\nTitle: X\n").title_page == {}


@pytest.mark.parametrize(
    ("text", "path", "number", "title"),
    [
        ("Title: X\nEpisode: 3\n\nAction.", None, 3, None),
        ("Title: X\nEpisode: 12 - The Heist\n\nAction.", "ep001.fountain", 12, "The Heist"),
        ("Title:\n\tSHOW\n\tEPISODE 4: TRAFFIC\n\nAction.", "ep001.fountain", 4, "TRAFFIC"),
        ("Title: Show, Episode 5\n\nAction.", None, 5, None),
        ("Action.", "scripts/ep003.fountain", 3, None),
        ("Action.", "cyber_bob_ep00001.fountain", 1, None),
        ("Action.", "episode_21.txt", 21, None),
        ("Action.", "pilot.fountain", 1, None),
        ("Action.", None, 1, None),
    ],
)
def test_episode_number(text, path, number, title):
    ep = parse_fountain(text, path).episodes[0]
    assert (ep.number, ep.title) == (number, title)


def test_structural_title_page_keys_fill_fields_not_title_page():
    doc = parse_fountain(
        "Title: Show\nEpisode: 2\nOutline:\n\tShe wins.\n\tThen loses.\nCharacters:\n\tMAYA (24): heir\n"
        "\t  stubborn\n\tETHAN: rival\n\nAction."
    )
    assert doc.title_page == {"Title": "Show"}
    assert doc.outline == "She wins.\nThen loses."
    assert [(b.name, b.age, b.description) for b in doc.bios] == [("MAYA", 24, "heir\nstubborn"),
                                                                   ("ETHAN", None, "rival")]


# ---- scene headings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "setting", "location", "time", "number", "text"),
    [
        ("INT. HOUSE - DAY", "INT", "HOUSE", "DAY", None, "INT. HOUSE - DAY"),
        ("INT HOUSE - DAY", "INT", "HOUSE", "DAY", None, "INT HOUSE - DAY"),
        ("EXT. PARK--DAY", "EXT", "PARK", "DAY", None, "EXT. PARK--DAY"),
        ("EXT. PARK -- NIGHT", "EXT", "PARK", "NIGHT", None, "EXT. PARK -- NIGHT"),
        ("EST. CITY SKYLINE - DAWN", "EST", "CITY SKYLINE", "DAWN", None, "EST. CITY SKYLINE - DAWN"),
        ("INT./EXT. CAR - MOVING", "INT/EXT", "CAR", "MOVING", None, "INT./EXT. CAR - MOVING"),
        ("INT/EXT CAR - MOVING", "INT/EXT", "CAR", "MOVING", None, "INT/EXT CAR - MOVING"),
        ("I/E CAR", "INT/EXT", "CAR", "", None, "I/E CAR"),
        ("int. kitchen - night", "INT", "kitchen", "night", None, "int. kitchen - night"),
        ("INT. HOUSE - KITCHEN - NIGHT", "INT", "HOUSE - KITCHEN", "NIGHT", None, "INT. HOUSE - KITCHEN - NIGHT"),
        ("INT. MID-DAY CAFE", "INT", "MID-DAY CAFE", "", None, "INT. MID-DAY CAFE"),
        ("INT. HOUSE - DAY #1A#", "INT", "HOUSE", "DAY", "1A", "INT. HOUSE - DAY"),
        ("EXT. ROOF - NIGHT #12.3-B#", "EXT", "ROOF", "NIGHT", "12.3-B", "EXT. ROOF - NIGHT"),
    ],
)
def test_scene_heading(line, setting, location, time, number, text):
    h = one(f"\n{line}\n\n")
    assert isinstance(h, SceneHeading)
    assert (h.setting, h.location, h.time, h.number, h.text, h.forced, h.line) == (
        setting, location, time, number, text, False, 2)


def test_forced_scene_heading():
    h = one(".FLASHBACK - BOB'S HOUSE #3#\n")
    assert isinstance(h, SceneHeading) and h.forced
    assert (h.text, h.setting, h.location, h.time, h.number) == ("FLASHBACK - BOB'S HOUSE", "", "FLASHBACK",
                                                                 "BOB'S HOUSE", "3")
    h = one(".INT. SUB - DAY\n")
    assert (h.forced, h.setting, h.location) == (True, "INT", "SUB")
    assert isinstance(one("...and then\n"), Action)  # an ellipsis is not a forced heading


def test_not_headings():
    assert isinstance(one("INTERIOR decorating is fun.\n"), Action)
    assert isinstance(one("ESTATE SALE - DAY\n"), Action)
    # a heading line followed directly by action still reads as a heading when written in capitals
    found = els("INT. HOUSE - DAY\nBob sits.\n")
    assert [type(e) for e in found] == [SceneHeading, Action] and found[1].line == 2


# ---- action -------------------------------------------------------------------------------------


def test_action_keeps_line_breaks_and_indentation():
    a = one("Bob walks in.\n    He sits.\n\tTabbed.\n")
    assert isinstance(a, Action) and not a.forced
    assert a.text == "Bob walks in.\n    He sits.\n\tTabbed."


def test_forced_action():
    a = one("!INT. NOT A HEADING\n")
    assert isinstance(a, Action) and a.forced and a.text == "INT. NOT A HEADING"
    a = one("!SCREAMS\nfrom the dark.\n")
    assert a.forced and a.text == "SCREAMS\nfrom the dark."
    a = one("!CUT TO:\n")
    assert isinstance(a, Action) and a.text == "CUT TO:"


def test_all_caps_lines_inside_action_stay_action():
    a = one("They wait.\nBOB\nSays nothing.\n")
    assert isinstance(a, Action) and a.text == "They wait.\nBOB\nSays nothing."


# ---- characters and dialogue ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cue", "name", "extensions"),
    [
        ("BOB", "BOB", []),
        ("MR. SMITH", "MR. SMITH", []),
        ("O'BRIEN", "O'BRIEN", []),
        ("R2D2", "R2D2", []),
        ("MAYA (V.O.)", "MAYA", ["V.O."]),
        ("ETHAN (O.S.)", "ETHAN", ["O.S."]),
        ("HANS (on the radio) (cont'd)", "HANS", ["on the radio", "cont'd"]),
        ("  INDENTED (CONT'D)", "INDENTED", ["CONT'D"]),
    ],
)
def test_character_cue(cue, name, extensions):
    d = one(f"\n{cue}\nHello.\n")
    assert isinstance(d, Dialogue)
    assert (d.character, d.extensions, d.forced, d.dual, d.line) == (name, extensions, False, False, 2)
    assert d.parts == [DialoguePart(kind="text", text="Hello.")]


def test_forced_character_cue():
    d = one("@McCLANE (V.O.)\nYippee-ki-yay.\n")
    assert (d.character, d.extensions, d.forced, d.text) == ("McCLANE", ["V.O."], True, "Yippee-ki-yay.")
    assert isinstance(one("Bob\nHello.\n"), Action)  # not all caps, not forced


def test_stray_cue_at_end_of_file_is_action():
    found = els("Bob waits.\n\nBOB\n")
    assert isinstance(found[-1], Action) and found[-1].text == "BOB"
    assert isinstance(one("BOB\n\n"), Action)


def test_parentheticals_dialogue_lines_lyrics_and_emotion():
    d = one("MAYA\n(angry)\nYou *knew*.\nAll along.\n(beat)\n~Happy birthday\n")
    assert d.parts == [
        DialoguePart(kind="parenthetical", text="angry"),
        DialoguePart(kind="text", text="You *knew*.\nAll along."),
        DialoguePart(kind="parenthetical", text="beat"),
        DialoguePart(kind="lyric", text="Happy birthday"),
    ]
    assert d.emotion == "angry" and d.parentheticals == ["angry", "beat"]
    assert d.text == "You *knew*.\nAll along.\nHappy birthday"
    assert one("BOB\nHi.\n(beat)\n").emotion is None


def test_two_space_line_keeps_a_blank_line_in_dialogue():
    found = els("DEALER\nTen.\nFour.\n  \nDealer gets twenty.\n\nAction.\n")
    assert [type(e) for e in found] == [Dialogue, Action]
    assert found[0].text == "Ten.\nFour.\n\nDealer gets twenty."
    assert found[1].line == 7


def test_dual_dialogue():
    found = els("BRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.\n")
    assert [(d.character, d.dual) for d in found] == [("BRICK", False), ("STEEL", True)]
    found = els("BRICK\nNo.\n\n@McCLANE (V.O.) ^\nYes.\n")
    assert (found[1].character, found[1].extensions, found[1].forced, found[1].dual) == ("McCLANE", ["V.O."],
                                                                                         True, True)


def test_dual_dialogue_pair_counts_as_two_in_stats():
    doc = parse_fountain("INT. BAR - NIGHT\n\nBRICK\nNo.\n\nSTEEL ^\nYes.\n")
    assert doc.stats() == {"scenes": 1, "dialogue": 2, "characters": ["BRICK", "STEEL"]}


def test_dual_cue_without_dialogue_before_is_a_plain_cue_with_a_warning():
    doc = parse_fountain("INT. BAR - NIGHT\n\nThey sit.\n\nSTEEL ^\nYes.\n", "ep001.fountain")
    steel = doc.episodes[0].dialogue()[0]
    assert (steel.character, steel.dual, steel.text) == ("STEEL", False, "Yes.")
    assert doc.warning_lines() == ["ep001.fountain:5: dual dialogue cue 'STEEL ^' has no dialogue right before it: "
                                   "read as a cue of its own (as Fountain apps do)"]
    assert parse_fountain("@Steel ^\nYes.\n").warnings[0].line == 1


# ---- transitions, centered, lyrics, page breaks, sections, synopses ------------------------------


def test_transitions():
    t = one("\nCUT TO:\n\n")
    assert isinstance(t, Transition) and (t.text, t.forced, t.line) == ("CUT TO:", False, 2)
    t = one("> FADE OUT.\n")
    assert isinstance(t, Transition) and (t.text, t.forced) == ("FADE OUT.", True)
    assert isinstance(one("Cut to:\n"), Action)  # transitions are all caps
    assert isinstance(one("CUT TO:\nthe chase\n"), Action)  # not followed by a blank line


def test_centered():
    c = one("> THE END <\n")
    assert isinstance(c, Centered) and c.text == "THE END"
    c = one(">THE END<\n> *really* <\n")
    assert c.text == "THE END\n*really*"


def test_lyrics():
    ly = one("~Willy Wonka! Willy Wonka!\n~ The amazing chocolatier!\n")
    assert isinstance(ly, Lyrics) and ly.text == "Willy Wonka! Willy Wonka!\nThe amazing chocolatier!"


def test_page_break_sections_synopsis():
    found = els("===\n\n# Act One\n\n## Sequence *two*\n\n### Scene\n= Maya learns the truth.\n\n=====\n")
    assert [type(e) for e in found] == [PageBreak, Section, Section, Section, Synopsis, PageBreak]
    assert [(s.level, s.text) for s in found[1:4]] == [(1, "Act One"), (2, "Sequence *two*"), (3, "Scene")]
    assert found[4].text == "Maya learns the truth."
    assert [e.line for e in found] == [1, 3, 5, 7, 8, 10]


def test_emphasis_and_escapes_are_kept():
    a = one("*italic* **bold** ***both*** _under_ \\*not\\*\n")
    assert a.text == "*italic* **bold** ***both*** _under_ \\*not\\*"
    assert plain(a.text) == "italic bold both under *not*"


# ---- notes and boneyard ---------------------------------------------------------------------------


def test_standalone_notes_become_note_elements():
    found = els("Action.\n\n[[First note]]\n[[Second *note*]]\n\nMore.\n")
    assert [type(e) for e in found] == [Action, Note, Note, Action]
    assert [(n.text, n.line) for n in found[1:3]] == [("First note", 3), ("Second *note*", 4)]


def test_note_spanning_lines():
    found = els("[[This note\nspans\n  \nthree lines]]\n\nBOB\nHi.\n")
    assert isinstance(found[0], Note) and found[0].text == "This note\nspans\n\nthree lines" and found[0].line == 1
    assert isinstance(found[1], Dialogue) and found[1].line == 6


def test_inline_notes_are_removed_from_text():
    found = els("He [[check this]] runs.\n\nBOB\nHi [[multi\nline]] there.\n[[own line]]\nBye.\n")
    assert found[0].text == "He runs."
    assert found[1].text == "Hi there.\nBye." and len(found) == 2


def test_boneyard_anywhere():
    found = els(
        "/* a whole\nblock\n\nwith a blank line */\nINT. HOUSE - DAY /* was NIGHT */\n\n"
        "Bob /* walks\nslowly */ runs.\nFast.\n\nBOB\n/* cut */\nHi.\n"
    )
    assert [type(e) for e in found] == [SceneHeading, Action, Dialogue]
    assert (found[0].text, found[0].time, found[0].line) == ("INT. HOUSE - DAY", "DAY", 5)
    assert (found[1].text, found[1].line) == ("Bob runs.\nFast.", 7)
    assert (found[2].text, found[2].line) == ("Hi.", 11)


def test_unclosed_boneyard_runs_to_the_end_with_a_warning():
    # as Fountain apps read it: everything after an unclosed '/*' is left out
    doc = parse_fountain("INT. HOUSE - DAY\n\nBob /* never\nclosed\n\nBOB\nHi.\n", "scripts/ep002.fountain")
    found = doc.episodes[0].elements
    assert [type(e) for e in found] == [SceneHeading, Action] and found[1].text == "Bob"
    assert doc.warning_lines() == ["scripts/ep002.fountain:3: boneyard '/*' is never closed with '*/': the rest "
                                   "of the file is left out"]


def test_note_spanning_a_blank_line_is_one_note_with_a_warning():
    doc = parse_fountain("Action.\n\n[[forgot\n\nto close]]\n\nBOB\nHi.\n", "x.fountain")
    found = doc.episodes[0].elements
    assert [type(e) for e in found] == [Action, Note, Dialogue]
    assert (found[1].text, found[1].line, found[2].line) == ("forgot\n\nto close", 3, 7)
    assert [(w.line, w.message.split(":")[0]) for w in doc.warnings] == [(3, "note '[[ ]]' spans a blank line")]
    inline = parse_fountain("Action.\nHe [[forgot\n\nto close]] runs.\n", "x.fountain")
    assert [e.text for e in inline.episodes[0].elements] == ["Action.\nHe runs."]
    assert inline.warnings[0].line == 2


def test_note_never_closed_is_text_with_a_warning():
    doc = parse_fountain("A.\n\n[[never", "x.fountain")
    assert [e.text for e in doc.episodes[0].elements] == ["A.", "[[never"]
    assert doc.warning_lines() == ["x.fountain:3: note '[[' is never closed with ']]': read as text"]
    # a second '[[' before any ']]': the first one is text, the second a note
    doc = parse_fountain("He [[oops runs.\n\n[[real note]]\n", "x.fountain")
    assert [(type(e), e.text) for e in doc.episodes[0].elements] == [(Action, "He [[oops runs."), (Note, "real note")]
    assert [w.line for w in doc.warnings] == [1]


def test_cues_indented_with_tabs_are_cues_with_one_warning():
    doc = parse_fountain("INT. A - DAY\n\n\t\t\tBOB\n\t\tHi there.\n\n\tMARY (V.O.)\n\t(sad)\n\tBye.\n", "x.fountain")
    bob, mary = doc.episodes[0].elements[1:]
    assert (bob.character, bob.text, mary.character, mary.extensions, mary.emotion, mary.text) == (
        "BOB", "Hi there.", "MARY", ["V.O."], "sad", "Bye.")
    assert doc.warning_lines() == ["x.fountain:3: 2 character cues indented with tabs or spaces (from here on): "
                                   "read as cues, as Fountain apps do"]
    assert parse_fountain("INT. A - DAY\n\nBOB\nHi.\n").warnings == []


# ---- line endings and line numbers ----------------------------------------------------------------


SMALL = "Title: T\n\nINT. A - DAY\n\nBob runs.\nFar.\n\nBOB\n(sad)\nHi.\n  \nBye.\n\n> THE END <\n"


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_lone_cr_parse_like_lf(newline):
    lf = parse_fountain(SMALL)
    other = parse_fountain(SMALL.replace("\n", newline))
    assert other.model_dump() == lf.model_dump()


def test_line_numbers():
    found = els(SMALL)
    assert [(type(e).__name__, e.line) for e in found] == [
        ("SceneHeading", 3), ("Action", 5), ("Dialogue", 8), ("Centered", 14)]
    assert parse_fountain("\ufeffINT. A - DAY\n").episodes[0].elements[0].line == 1


# ---- writer and round trips -------------------------------------------------------------------------


def test_round_trip_of_every_element():
    text = (DATA / "fountain_all_elements.fountain").read_text(encoding="utf-8")
    doc = assert_round_trip(text)
    ep = doc.episodes[0]
    assert (doc.title, ep.number, ep.title) == ("The Last Signature", 7, "The Deal")
    kinds = [type(e).__name__ for e in ep.elements]
    assert kinds == ["Note", "Section", "Synopsis", "Transition", "SceneHeading", "Action", "Dialogue", "Dialogue",
                     "Dialogue", "Dialogue", "Dialogue", "Transition", "SceneHeading", "SceneHeading", "Action",
                     "Note", "PageBreak", "Lyrics", "Section", "Centered"]
    assert ep.elements[5].text == "Maya slams a folder on the desk.\n    She waits."
    assert ep.elements[6].text == "You *knew*.\n\nYou always knew."
    assert [d.dual for d in ep.dialogue()] == [False, False, True, False, False]
    assert ep.elements[10].parts[0] == DialoguePart(kind="lyric", text="Happy birthday")
    assert ep.elements[14].forced and ep.elements[14].text == "SHE RUNS.\nInto the dark."


@pytest.mark.parametrize(
    "text",
    [
        SMALL,
        SMALL.replace("\n", "\r\n"),
        "BRICK\nNo.\n\n@McCLANE ^\nHi.\n",
        "Line one\n!\n!\nafter two blank lines\n",
        "int. house\n~la la\n\nCUT TO:\n~la\n\nBOB\n~sung\n",
        "ALL CAPS\n# Section\n\nCUT TO:\n> THE END <\n",
        "Note: first line looks like a title page key.\n",
        "!BOB\nHello.\n",
        "!INT. HOUSE - DAY\n",
        "STRAY\n",
        "A\n!# not a section\n!~ not lyrics\n!!bang\n",
        "DEALER\nTen.\n  \n(beat)\nEleven.\n",
        ".lowercase forced heading\n\n.INT. FORCED - DAY #4#\n",
        "[[a\n  \nb]]\n",
    ],
)
def test_round_trips(text):
    assert_round_trip(text)


def test_blank_lines_in_action_and_lines_before_lyrics():
    assert one("Line one\n!\n!\nafter\n").text == "Line one\n\n\nafter"
    found = els("int. house\n~la la\n\nCUT TO:\n~la\n\nBOB\n~sung\n")
    assert [type(e) for e in found] == [SceneHeading, Lyrics, Transition, Lyrics, Dialogue]
    assert found[-1].parts == [DialoguePart(kind="lyric", text="sung")]
    # a line right before a section, centered text or a forced transition is not a cue
    found = els("ALL CAPS\n# Section\n\nCUT TO:\n> THE END <\n")
    assert [type(e) for e in found] == [Action, Section, Transition, Centered]


def test_writer_forces_marks_where_needed():
    ep = Episode(elements=[
        Action(text="INT. HOUSE - DAY"),
        Action(text="BOB\nHello."),
        Action(text="CUT TO:"),
        Action(text="First\n# not a section\n> not a transition"),
        Transition(text="Fade out."),
        Dialogue(character="McClane", parts=[DialoguePart(text="Hi.")]),
        Dialogue(character="王强", extensions=["OS"], emotion="冷笑", parts=[DialoguePart(text="你好。")]),
        SceneHeading(text="Kitchen", location="Kitchen"),
        Caption(text="Three days earlier"),
        Marker(kind="flashback_start"),
    ])
    doc = ScriptDocument(title="Show", episodes=[ep])
    written = write_fountain(doc)
    assert "!INT. HOUSE - DAY\n" in written
    assert "!BOB\nHello.\n" in written and "!CUT TO:\n" in written
    assert "First\n!# not a section\n!> not a transition\n" in written
    assert "> Fade out.\n" in written and "@McClane\nHi.\n" in written
    assert "@王强 (OS)\n(冷笑)\n你好。\n" in written and ".Kitchen\n" in written
    back = parse_fountain(written).episodes[0].elements
    assert [type(e) for e in back[:8]] == [Action, Action, Action, Action, Transition, Dialogue, Dialogue,
                                           SceneHeading]
    assert [e.text for e in back[:4]] == [e.text for e in ep.elements[:4]]
    assert (back[5].character, back[6].character, back[6].emotion) == ("McClane", "王强", "冷笑")
    assert back[4].text == "Fade out." and back[7].location == "Kitchen"
    assert back[8].text == "SUPER: Three days earlier"


def test_writer_keeps_episode_number_without_the_filename():
    doc = parse_fountain("INT. A - DAY\n", "scripts/ep003.fountain")
    assert doc.episodes[0].number == 3
    written = write_fountain(doc)
    assert written.startswith("Episode: 3\n\n")
    assert comparable(parse_fountain(written)) == comparable(doc)


def test_writer_writes_several_episodes_under_sections():
    doc = ScriptDocument(episodes=[Episode(number=1, title="One", elements=[Action(text="A.")]),
                                   Episode(number=2, elements=[Action(text="B.")])])
    written = write_fountain(doc)
    assert written == "Episode: 1 - One\n\n# Episode 1: One\n\nA.\n\n===\n\n# Episode 2\n\nB.\n"
    assert len(parse_fountain(written).episodes) == 1


def test_parse_script_reads_files(tmp_path):
    path = tmp_path / "ep004.fountain"
    path.write_bytes("\ufeffINT. A - DAY\r\n\r\nBOB\r\nHi.\r\n".encode())
    doc = parse_script(path)
    assert (doc.format, doc.source, doc.episodes[0].number) == ("fountain", str(path), 4)
    assert doc.episodes[0].dialogue()[0].text == "Hi."
    bad = tmp_path / "ep005.fountain"
    bad.write_text("INT. A - DAY\n\nBOB\nHi.\n\n/* open\n", encoding="utf-8")
    assert parse_script(bad).warning_lines() == [
        f"{bad}:6: boneyard '/*' is never closed with '*/': the rest of the file is left out"]
    with pytest.raises(InputError, match="not a script file"):
        parse_script(tmp_path / "ep001.pdf")
    with pytest.raises(InputError, match="file not found"):
        parse_script(tmp_path / "missing.fountain")


# ---- a real script ---------------------------------------------------------------------------------


@pytest.fixture
def cyber_bob() -> Path:
    if not CYBER_BOB.is_file():
        pytest.skip(f"real script not found at {CYBER_BOB}")
    return CYBER_BOB


def test_real_script_parses(cyber_bob):
    doc = parse_script(cyber_bob)
    assert doc.format == "fountain"
    assert doc.title == "BOB THE CYBER PAWN AND HIS CYBER CLOUD BOSS THING"
    assert doc.title_page["Author"] == "Richard Alexander Hall"
    assert doc.title_page["Contact"] == "earthbound.io/contact"
    assert "Draft date" not in doc.title_page  # inside a boneyard
    ep = doc.episodes[0]
    assert (ep.number, ep.title) == (1, "TRAFFIC CONTROL DOGS")
    scenes = ep.scenes()
    assert [(s.setting, s.location, s.time) for s in scenes] == [
        ("EXT", "PARK", "DAY"), ("EXT", "SUBURBAN TRAFFIC INTERSECTION", "DAY"),
        ("INT", "TRAFFIC LIGHT HORIZONTAL BEAM", "NIGHT")]
    assert scenes[0].text == "EXT. PARK--DAY" and scenes[0].line == 24
    first = ep.elements[:4]
    assert [type(e) for e in first] == [Note, Note, Transition, Action]
    assert first[0].text.startswith("archival web URL: https://github.com/earthbound19")
    assert (first[2].text, first[2].forced, first[2].line) == ("FADE IN:", True, 17)
    assert not any("Draft date" in getattr(e, "text", "") or "[[" in getattr(e, "text", "")
                   for e in ep.elements)
    transitions = [e for e in ep.elements if isinstance(e, Transition)]
    assert [(t.text, t.forced) for t in transitions] == [("FADE IN:", True), ("FADE OUT:", True)]
    assert isinstance(ep.elements[-1], Centered) and ep.elements[-1].text == "THE END"
    to_dog = [d for d in ep.dialogue() if d.parentheticals]
    assert len(to_dog) == 1 and to_dog[0].character == "BOB" and to_dog[0].parentheticals == ["to dog"]
    assert to_dog[0].text == "Is that a rhetorical question?!"
    assert any(isinstance(e, Action) and e.text == '*"SHRINKER-TELEPORTER."*' for e in ep.elements)
    stats = doc.stats()
    assert stats["scenes"] == 3 and stats["characters"][:3] == ["BOB", "DOG", "MARGARET"]


def test_real_script_round_trips(cyber_bob):
    text = cyber_bob.read_text(encoding="utf-8")
    doc = assert_round_trip(text)
    assert comparable(parse_fountain(write_fountain(doc))) == comparable(parse_script(cyber_bob))

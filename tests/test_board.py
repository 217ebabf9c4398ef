from reelwright.documents.bible import Bible
from reelwright.documents.script import (
    Action,
    Dialogue,
    DialoguePart,
    Episode,
    SceneHeading,
)
from reelwright.stages.board import board_episode, expression_for, merge_board


def _d(who, text, paren=None, emotion=None):
    parts = ([DialoguePart(kind="parenthetical", text=paren)] if paren else []) + [DialoguePart(text=text)]
    return Dialogue(character=who, parts=parts, emotion=emotion)


EP = Episode(number=1, elements=[
    SceneHeading(text="INT. KITCHEN - NIGHT", setting="INT", location="KITCHEN", time="NIGHT"),
    Action(text="MAYA stares at the envelope."),
    _d("MAYA", "He said he would never come back."),
    _d("LEO", "I lied.", paren="coldly"),
    _d("MAYA", "You what?!"),
    _d("MAYA", "Get out."),
    SceneHeading(text="EXT. STREET - DAY", setting="EXT", location="STREET", time="DAY"),
    _d("LEO", "Wait for me."),
])


def test_scene_opens_wide_and_dialogue_cuts_between_speakers():
    board = board_episode(EP, Bible())
    shots = board.shots
    assert shots[0].size == "WS" and shots[0].reason == "establishing" and shots[0].location == "KITCHEN"
    assert shots[0].night and shots[0].interior
    assert set(shots[0].subjects) == {"MAYA", "LEO"}
    dialogue = [s for s in shots if s.reason == "dialogue"]
    assert [s.speaker for s in dialogue] == ["MAYA", "LEO", "MAYA", "MAYA", "LEO"]
    assert all(s.size in ("MCU", "CU") for s in dialogue)
    assert [s.line for s in dialogue] == [0, 1, 2, 3, 4]
    # a speaker keeps a screen side within the scene
    first_scene = [s for s in shots if s.scene == 1 and s.speaker]
    sides = {s.speaker: s.sides[s.speaker] for s in first_scene}
    assert sides == {"MAYA": "left", "LEO": "right"}
    assert all(s.sides[s.speaker] == sides[s.speaker] for s in first_scene)
    # the second scene opens wide again, outside by day
    second = [s for s in shots if s.scene == 2]
    assert second[0].size == "WS" and not second[0].interior and not second[0].night


def test_emotion_and_reversal_get_reaction_close_ups():
    shots = board_episode(EP, Bible()).shots
    reactions = [s for s in shots if s.reason == "reaction"]
    # "(coldly)" on LEO's line and MAYA's "You what?!" reversal
    assert [r.subjects for r in reactions] == [["MAYA"], ["LEO"]]
    assert all(r.size == "CU" for r in reactions)
    leo = next(s for s in shots if s.speaker == "LEO")
    assert leo.expressions["LEO"] == "cold" and leo.size == "CU"
    action = next(s for s in shots if s.reason == "action")
    assert action.subjects == ["MAYA"] and action.size == "MS"


def test_expressions_from_words_in_both_languages():
    assert expression_for("angrily") == "angry"
    assert expression_for("（冷笑）") == "cold"
    assert expression_for("哭") == "sad"
    assert expression_for(None, "What?!") == "surprised"
    assert expression_for("whispering", "ok") == "neutral"


def test_user_edits_survive_and_script_changes_flow_through():
    fresh = board_episode(EP, Bible())
    edited = fresh.model_copy(deep=True)
    edited.shots[2].size = "ECU"
    edited.shots[2].frames = 50
    changed_ep = EP.model_copy(deep=True)
    changed_ep.elements[2] = _d("MAYA", "He swore he would never come back.")
    fresh2 = board_episode(changed_ep, Bible())
    merged = merge_board(fresh2, edited, previous=fresh)
    assert merged.shots[2].size == "ECU" and merged.shots[2].frames == 50
    assert merged.shots[2].text == "He swore he would never come back."
    assert merged.shots[3] == fresh2.shots[3]

"""The board's named rules on scripted scenes, and the renderer honouring sizes, angles and moves."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from reelwright.documents.bible import Bible, Look, Prop
from reelwright.documents.storyboard import CLOSE_SIZES, Shot
from reelwright.project.settings import BoardSection, Settings
from reelwright.screenplay import parse_text
from reelwright.stages.board import (
    apply_screen_direction,
    board_episode,
    close_up_share,
    direct_episode,
    merge_board,
    open_on_hook,
)
from reelwright.stages.cut import cut_episode
from reelwright.stages.voice import VoicedLine

SCENE = """Title: Rules
Episode: 1

INT. KITCHEN - NIGHT

MAYA stares at the locket on the table.

MAYA
He said he would come home before the storm tonight.

LEO
I never meant to hurt you, I swear on everything I have.

MAYA
Then why did you take the money from my mother's account?

LEO
(coldly)
Because I lied.

MAYA
You what?!

EXT. STREET - DAY

LEO runs. A car screeches past.

LEO
She can never know what I did tonight, not ever.

INT. KITCHEN - NIGHT

Maya opens the locket. Inside: a photo of Leo with another woman.

MAYA
(whispering)
So that is who you are.
"""


def episode(text: str = SCENE):
    return parse_text(text).episodes[0]


def board(rules: BoardSection | None = None, bible: Bible | None = None, text: str = SCENE):
    return board_episode(episode(text), bible or Bible(props=[Prop(name="locket")]), rules=rules)


def test_establishing_wide_opens_every_scene_and_can_be_switched_off():
    b = board()
    scenes = sorted({s.scene for s in b.shots})
    assert scenes == [1, 2, 3]
    for scene in scenes:
        first = next(s for s in b.shots if s.scene == scene)
        assert first.reason == "establishing" and first.size == "WS"
    assert [s.location for s in b.shots if s.reason == "establishing"] == ["KITCHEN", "STREET", "KITCHEN"]
    off = board(BoardSection(establishing=False))
    assert not any(s.reason == "establishing" for s in off.shots)


def test_180_degree_rule_keeps_sides_within_a_scene_until_a_shot_crosses():
    b = board()
    for scene in {s.scene for s in b.shots}:
        sides: dict[str, str] = {}
        for s in (x for x in b.shots if x.scene == scene):
            for name, side in s.sides.items():
                assert sides.setdefault(name, side) == side, (s.id, name)
    first = [s for s in b.shots if s.scene == 1]
    assert {s.sides["MAYA"] for s in first if "MAYA" in s.sides} == {"left"}
    assert {s.sides["LEO"] for s in first if "LEO" in s.sides} == {"right"}
    # a shot marked cross swaps the sides from there on
    shots = [s.model_copy(deep=True) for s in b.shots]
    k = next(i for i, s in enumerate(shots) if s.id == "s01-d03")
    shots[k].cross = True
    crossed = apply_screen_direction(shots)
    after = [s for s in crossed[k:] if s.scene == 1]
    assert {s.sides["MAYA"] for s in after if "MAYA" in s.sides} == {"right"}
    assert all(s.sides == {} for s in board(BoardSection(screen_direction=False)).shots)


def test_shot_reverse_shot_uses_over_the_shoulder_and_singles():
    b = board()
    ots = [s for s in b.shots if s.size == "OTS"]
    assert ots, [(s.id, s.size) for s in b.shots]
    for s in ots:
        assert len(s.subjects) == 2 and s.subjects[0] != s.subjects[1]
        assert s.sides[s.subjects[0]] != s.sides[s.subjects[1]]
        # the line an OTS carries is also covered by a single of the speaker or a shot of the listener
        partners = [x for x in b.shots if x.line == s.line and x.id != s.id]
        assert partners and all(x.size in ("CU", "MCU") or x.reason == "listen" for x in partners)
    off = board(BoardSection(shot_reverse_shot=False))
    assert not any(s.size == "OTS" for s in off.shots)


def test_reactions_on_reversals_and_reveals_with_stings():
    b = board()
    reactions = [s for s in b.shots if s.reason == "reaction"]
    by_id = {s.id: s for s in reactions}
    assert "s01-d04r" in by_id and by_id["s01-d04r"].subjects == ["MAYA"]  # "(coldly) Because I lied."
    assert "s01-d05r" in by_id and by_id["s01-d05r"].subjects == ["LEO"]  # "You what?!"
    reveal = by_id.get("s03-a01r")  # "Inside: a photo …" is a reveal
    assert reveal is not None and reveal.expressions["MAYA"] == "surprised"
    assert all(r.size == "CU" for r in reactions)
    assert any(s.sting == "hit" for s in reactions)
    assert not any(s.reason == "reaction" for s in board(BoardSection(reactions=False)).shots)


def test_inserts_for_props_named_in_action_lines():
    b = board()
    inserts = [s for s in b.shots if s.reason == "insert"]
    assert [s.props for s in inserts] == [["locket"], ["locket"]]
    assert inserts[0].size == "INSERT" and "locket" in inserts[0].text
    # the insert follows its action shot
    ids = [s.id for s in b.shots]
    assert ids.index("s01-a01i") == ids.index("s01-a01") + 1
    assert not any(s.reason == "insert" for s in board(BoardSection(inserts=False, common_props=False)).shots)
    # no bible props: common props (a photo) still get inserts, unless switched off
    common = board(bible=Bible())
    assert [s.props for s in common.shots if s.reason == "insert"] == [["photo"]]
    assert not any(s.reason == "insert" for s in board(BoardSection(common_props=False), Bible()).shots)


def test_cliffhanger_ends_on_a_close_up_with_a_sting():
    b = board()
    last_line = max(s.line for s in b.shots if s.line is not None)
    main = next(s for s in b.shots if s.line == last_line and s.reason == "dialogue")
    assert main.size in ("CU", "ECU") and main.move == "push_in" and main.sting == "cliffhanger"
    assert b.shots[-1].size in ("ECU", "CU", "MCU")
    assert sum(1 for s in b.shots if s.sting == "cliffhanger") == 1
    # an episode that ends on an action line still ends on a close-up
    ending = SCENE + "\nMaya walks out into the rain.\n"
    b2 = board(text=ending)
    assert b2.shots[-1].size in ("ECU", "CU", "MCU") and b2.shots[-1].subjects == ["MAYA"]
    assert any(s.sting == "cliffhanger" for s in b2.shots[-2:])
    off = board(BoardSection(cliffhanger=False, close_up_share=False), text=ending)
    assert off.shots[-1].size not in ("ECU", "CU", "MCU") and not any(s.sting == "cliffhanger" for s in off.shots)


def test_close_up_share_is_kept_between_the_bounds():
    b = board()
    assert 0.6 <= close_up_share(b.shots) <= 0.8
    # a scene of action lines: the rule moves in to reach 60%
    busy = "INT. GYM - DAY\n\n" + "\n\n".join(f"MAYA lifts weight number {i}." for i in range(8)) + \
        "\n\nMAYA\nDone.\n"
    tight = board(text=busy)
    loose = board(BoardSection(close_up_share=False), text=busy)
    assert close_up_share(loose.shots) < 0.6 <= close_up_share(tight.shots)
    # a talky scene with everything in close-up: the rule opens some singles out to over-the-shoulders
    talky = "INT. ROOM - DAY\n\n" + "\n\n".join(
        f"{who}\n{text}" for who, text in [("ANN", "Hi."), ("BOB", "Hello."), ("ANN", "Tea?"), ("BOB", "Yes."),
                                         ("ANN", "Milk?"), ("BOB", "No."), ("ANN", "Sugar?"), ("BOB", "Two.")])
    wide = board(BoardSection(establishing=False), text=talky)
    assert close_up_share(wide.shots) <= 0.8 and any(s.size == "OTS" for s in wide.shots)
    assert close_up_share(board(BoardSection(establishing=False, close_up_share=False), text=talky).shots) > 0.8


def test_long_lines_split_into_speaker_and_listener():
    b = board()
    lines = {}
    for s in b.shots:
        if s.line is not None:
            lines.setdefault(s.line, []).append(s)
    split = {k: v for k, v in lines.items() if len(v) > 1}
    assert split, "the long lines should be split"
    for shots in split.values():
        assert len(shots) == 2
        assert any(s.reason == "dialogue" and s.speaker in s.subjects for s in shots)
    listen = [s for s in b.shots if s.reason == "listen"]
    assert listen and all(s.speaker is None for s in listen)
    assert not any(len(v) > 1 for v in _lines(board(BoardSection(split_long_lines=False))).values())


def _lines(b):
    out: dict[int, list[Shot]] = {}
    for s in b.shots:
        if s.line is not None:
            out.setdefault(s.line, []).append(s)
    return out


def test_the_hook_never_opens_on_a_slow_wide():
    b = direct_episode(episode(), Bible(props=[Prop(name="locket")]))
    first = b.shots[0]
    assert first.reason != "establishing"
    assert first.reason == "hook" and first.sting == "hit" and first.line is None and first.speaker is None
    assert first.size in CLOSE_SIZES
    # a strong first line opens the episode itself (in medias res), the wide follows
    strong = SCENE.replace("MAYA\nHe said", "MAYA\n(furious)\nHe said")
    b2 = direct_episode(episode(strong), Bible())
    assert b2.shots[0].line == 0 and b2.shots[0].size in ("CU", "ECU")
    assert any(s.reason == "establishing" for s in b2.shots[1:4])
    assert direct_episode(episode(), Bible(), rules=BoardSection(hook=False)).shots[0].reason == "establishing"
    assert open_on_hook(b) == b  # already hooked


def test_rules_come_from_reelwright_toml(tiny_project):
    from reelwright.project.cache import Cache
    from reelwright.project.folder import Project
    from reelwright.stages.board import make_board

    root = tiny_project(SCENE)
    toml = root / "reelwright.toml"
    toml.write_text(toml.read_text() + "\n[board]\nhook = false\ninserts = false\nclose_up_min = 0.5\n")
    project = Project.load(root)
    assert project.settings.board.hook is False and project.settings.board.close_up_min == 0.5
    b = make_board(project, 1, Cache(project.cache_dir))
    assert b.shots[0].reason == "establishing" and not any(s.reason == "insert" for s in b.shots)
    assert (root / "boards" / "ep001.yaml").is_file()


def test_scene_music_edits_survive_a_rebuild():
    fresh = board()
    edited = fresh.model_copy(deep=True)
    edited.scenes[1].music = "music/chase.wav"
    merged = merge_board(board(), edited, previous=fresh)
    assert merged.scenes[1].music == "music/chase.wav" and merged.scenes[0] == fresh.scenes[0]
    assert {s.mood for s in fresh.scenes} <= {"calm", "warm", "sad", "tense", "angry", "mystery"}


# ---- the cut: J/L cuts, splits, stings, the cliffhanger hold ---------------------------------------

def _voiced(b, seconds: float = 1.6, rate: int = 48000) -> tuple[list[VoicedLine], dict[int, list[bool]]]:
    lines = sorted({s.line for s in b.shots if s.line is not None})
    voiced = [VoicedLine(index=i, character="X", text="a b c d e f. g h i j k", key=f"k{i}", path=Path("/dev/null"),
                         samples=int(seconds * rate), sample_rate=rate) for i in lines]
    fps = 15
    n = int(seconds * fps)
    track = [bool((f // 3) % 2) for f in range(n)]
    track[n // 2 - 1:n // 2 + 2] = [False] * 3  # a pause mid-line
    return voiced, {i: track for i in lines}


def test_cut_makes_j_and_l_cuts_and_holds_the_cliffhanger():
    settings = Settings.model_validate({"video": {"fps": 15, "width": 216, "height": 384}})
    b = direct_episode(episode(), Bible(props=[Prop(name="locket")]))
    lines, mouths = _voiced(b)
    t = cut_episode(b, lines, mouths, settings)
    assert [ts.shot.id for ts in t.shots] == [s.id for s in b.shots]
    assert all(ts.start == prev.start + prev.frames for prev, ts in zip(t.shots, t.shots[1:]))
    clips = {c.line: c for c in t.audio}
    assert sorted(clips) == sorted({s.line for s in b.shots if s.line is not None})
    for a, c in zip(t.audio, t.audio[1:]):
        assert a.start + a.samples <= c.start  # lines never overlap
    # L-cut: a line carries over the reaction after it
    assert any(ts.l_cut > 0 and ts.shot.reason == "reaction" for ts in t.shots)
    # J-cut: a line heard before the cut to its speaker, after a silent shot that does not show them
    j = [ts for ts in t.shots if ts.j_cut > 0]
    assert j and all(t.shots[t.shots.index(ts) - 1].shot.line is None for ts in j)
    for ts in j:
        assert clips[ts.shot.line].start * 15 // 48000 < ts.start
    # a split line is heard across both shots, cut near its middle
    for k, ts in enumerate(t.shots[:-1]):
        nxt = t.shots[k + 1]
        if ts.shot.line is not None and nxt.shot.line == ts.shot.line:
            c = clips[ts.shot.line]
            assert ts.start <= c.start * 15 / 48000 < ts.start + ts.frames < (c.start + c.samples) * 15 / 48000
            assert nxt.l_cut > 0
    # stings on the hook, the turns and the cliffhanger; the last picture holds after the last word
    kinds = [s.kind for s in t.stings]
    assert kinds[0] == "hit" and kinds[-1] == "cliffhanger" and t.stings[0].shot == "hook"
    last_audio = max((c.start + c.samples) * 15 / 48000 for c in t.audio)
    assert t.frames >= last_audio + 15  # at least a second of hold for the sting to ring
    assert t.music and all(m.end > m.start for m in t.music)
    assert {m.scene for m in t.music} == {1, 2, 3}
    off = settings.model_copy(update={"board": BoardSection(j_l_cuts=False)})
    t2 = cut_episode(b, lines, mouths, off)
    assert not any(ts.j_cut for ts in t2.shots)
    assert not any(ts.l_cut and ts.shot.reason == "reaction" for ts in t2.shots)


# ---- pixels: the renderer honours sizes, angles and moves ------------------------------------------

W, H = 216, 384
SKIN = "edb98a"


def _look() -> dict[str, Look]:
    from reelwright.media.avatar import default_look

    return {"MAYA": Look(seed="MAYA", options={**default_look("MAYA", "female"), "skinColor": SKIN,
                                               "clothesColor": "3c4f5c"})}


def _still(size: str, angle: str = "eye", move: str = "static", w: int = W, h: int = H) -> np.ndarray:
    from reelwright.providers.image_comic import ComicImages

    shot = Shot(id="s01-d01", scene=1, size=size, angle=angle, move=move, subjects=["MAYA"], speaker="MAYA",
                location="KITCHEN")
    return ComicImages().still(shot, _look(), w, h)


def _skin(img: np.ndarray) -> np.ndarray:
    rgb = np.array([int(SKIN[i:i + 2], 16) for i in (0, 2, 4)])
    return np.abs(img.astype(int) - rgb).sum(axis=2) < 30


def test_closer_sizes_show_a_bigger_face():
    areas = {size: _skin(_still(size)).mean() for size in ("ECU", "CU", "MCU", "MS", "WS")}
    assert areas["ECU"] > areas["CU"] > areas["MCU"] > areas["MS"] > areas["WS"] > 0, areas
    assert areas["CU"] > 2 * areas["MS"]


def test_angles_change_the_picture():
    eye, low, high, dutch = (_still("MCU", a) for a in ("eye", "low", "high", "dutch"))
    assert _skin(low).mean() > _skin(eye).mean() > _skin(high).mean()
    ys = [np.nonzero(_skin(img))[0].mean() for img in (low, high)]
    assert ys[0] < ys[1]  # the low angle sees the face higher in frame
    assert np.abs(dutch.astype(int) - eye.astype(int)).mean() > 10


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


@pytest.mark.parametrize("move", ["push_in", "pull_out", "pan_right", "tilt_up", "shake"])
def test_moves_show_in_the_rendered_shot(tmp_path, move):
    from reelwright.render.shots import render_shot

    shot = Shot(id="s01-d01", scene=1, size="MCU", move=move, subjects=["MAYA"], location="KITCHEN")
    spec = {"id": shot.id, "encoder": {"width": W, "height": H, "fps": 15, "crf": 18, "preset": "superfast"},
            "frames": 12, "move": move, "seed": 7,
            "still": {"shot": shot.model_dump(mode="json", exclude={"frames", "reason", "text", "line"}),
                      "looks": {k: v.model_dump(mode="json") for k, v in _look().items()},
                      "image": {}},
            "mouth": [], "cues": [], "language": "en", "fade_in": 0, "prev": None}
    frames = _frames(Path(render_shot(spec, tmp_path / f"{move}.mp4")))
    assert len(frames) == 12
    first, last = _skin(frames[0]), _skin(frames[-1])
    if move == "push_in":
        assert last.mean() > first.mean() * 1.15
    elif move == "pull_out":
        assert first.mean() > last.mean() * 1.15
    elif move == "pan_right":  # the camera moves right: the face slides left in frame
        assert np.nonzero(last)[1].mean() < np.nonzero(first)[1].mean() - 5
    elif move == "tilt_up":  # the camera tilts up: the face slides down
        assert np.nonzero(last)[0].mean() > np.nonzero(first)[0].mean() + 5
    else:
        shifts = [np.nonzero(_skin(f))[1].mean() for f in frames[:6]]
        assert max(shifts) - min(shifts) > 1.5


def test_encoded_still_size_matches_the_shot(tmp_path):
    """A static CU renders the still as drawn (no move): a sanity check on the pixel tests above."""
    img = _still("CU")
    assert img.shape == (H, W, 3) and _skin(img).mean() > 0.1
    assert Fraction(img.shape[0], img.shape[1]) == Fraction(16, 9)

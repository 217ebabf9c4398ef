"""The I420 renderer against the RGB path it replaced: the same frames, within a stated PSNR.

Thresholds: before the encoder, every frame's I420 planes within 45 dB of the RGB path's frame converted
with cv2 (in practice 54–80 dB: rounding only); after x264, every decoded frame within 40 dB of the RGB
path's decoded frame. Every shot size and every camera move, with lip movement, subtitles, a caption, a
dissolve and a dutch angle.
"""

from __future__ import annotations

import av
import numpy as np
import pytest

from reelwright.documents.bible import Bible, Character, Look
from reelwright.documents.storyboard import Move, Shot, ShotSize
from reelwright.documents.timeline import Cue, Timeline, TimelineShot
from reelwright.media.frames import Overlay
from reelwright.media.planes import PlaneOverlay, Planes, psnr
from reelwright.media.video import rgb_to_i420
from reelwright.project.settings import Settings
from reelwright.providers.image_comic import ComicImages
from reelwright.render.shots import encode_shot, prepare_planes, prepare_shot, render_shot, shot_specs

SIZES = [s.value for s in ShotSize]
MOVES = [m.value for m in Move]
NAMES = ["MAYA", "ETHAN"]
W, H = 216, 384
BEFORE_DB, AFTER_DB = 45.0, 40.0


def _timeline(pairs: list[tuple[str, str]], frames: int = 12) -> tuple[Timeline, Bible]:
    bible = Bible(characters=[Character(name=n, look=Look(seed=n)) for n in NAMES])
    shots, cues, pos = [], [], 0
    for i, (size, move) in enumerate(pairs):
        speaker = NAMES[i % 2]
        shot = Shot(id=f"s01-{i + 1:02d}", scene=1, size=size, move=move, subjects=NAMES if i % 3 == 0 else [speaker],
                    speaker=speaker, location="LAW OFFICE", interior=True, text="The contract" if size == "INSERT"
                    else "", caption="Three years later" if i % 4 == 1 else None,
                    angle="dutch" if i % 5 == 2 else "eye", expressions={speaker: "angry"})
        shots.append(TimelineShot(shot=shot, start=pos, frames=frames, mouth=[2, 3, 2, 3, 2],
                                  fade_in=4 if i % 4 == 3 else 0))
        cues.append(Cue(start=pos + 2, end=pos + frames - 3, text="You told them\nI forged it."))
        pos += frames
    return Timeline(episode=1, width=W, height=H, fps=15, frames=pos, shots=shots, cues=cues), bible


def _specs(pairs: list[tuple[str, str]], frames: int = 12) -> list[dict]:
    timeline, bible = _timeline(pairs, frames)
    return shot_specs(timeline, bible, Settings(), ComicImages().identity())


def _decode(path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="yuv420p") for f in c.decode(video=0)]


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
def test_planes_match_the_rgb_path_before_the_encoder(size):
    """Every move of this size: the I420 frames drawn directly equal the RGB frames converted, ≥ 45 dB."""
    specs = _specs([(size, move) for move in MOVES])
    for spec in specs:
        old, new = prepare_shot(spec), prepare_planes(spec)
        buf = Planes.empty(W, H)
        for i in range(spec["frames"]):
            new.draw(i, buf)
            got = psnr(rgb_to_i420(old.frame(i)), buf.to_i420())
            assert got >= BEFORE_DB, (size, spec["move"], i, got)


@pytest.mark.slow
def test_encoded_planes_match_the_rgb_path_after_x264(tmp_path):
    """Each size once, each move at least once (with a dissolve): decoded segments agree ≥ 40 dB per frame."""
    pairs = [(size, MOVES[i % len(MOVES)]) for i, size in enumerate(SIZES)]
    assert {m for _, m in pairs} == set(MOVES)
    lowest = []
    for n, spec in enumerate(_specs(pairs, frames=15)):
        ours = render_shot(spec, tmp_path / f"new{n}.mp4")
        theirs = encode_shot(spec, prepare_shot(spec), tmp_path / f"old{n}.mp4")
        a, b = _decode(ours), _decode(theirs)
        assert len(a) == len(b) == spec["frames"]
        scores = [psnr(x, y) for x, y in zip(a, b)]
        lowest.append(min(scores))
        assert min(scores) >= AFTER_DB, (spec["still"]["shot"]["size"], spec["move"], scores)
    assert np.median(lowest) > AFTER_DB + 3


def test_unchanged_frames_are_handed_over_again_without_drawing():
    """A static shot redraws only when the mouth or the text changes; a push-in redraws every frame it moves."""
    static, push = _specs([("CU", "static"), ("MCU", "push_in")], frames=20)
    shot = prepare_planes(static, {})
    buf = Planes.empty(W, H)
    drawn = [shot.draw(i, buf) for i in range(static["frames"])]
    changes = 1 + sum(1 for i in range(1, 20) if (shot.mouth[i] != shot.mouth[i - 1])
                      or any((o.start <= i < o.end) != (o.start <= i - 1 < o.end) for o in shot.overlays))
    assert sum(drawn) == changes < 20
    assert shot.times["reused"] == 20 - changes
    # what is left in the buffer is the last frame, exactly
    assert psnr(rgb_to_i420(prepare_shot(static).frame(19)), buf.to_i420()) > BEFORE_DB
    moving = prepare_planes(push, {})
    buf = Planes.empty(W, H)
    assert sum(moving.draw(i, buf) for i in range(push["frames"])) >= 15


def test_overlay_blends_only_inside_its_inked_box():
    layer = np.zeros((40, W, 4), np.uint8)
    layer[10:20, 50:91] = (200, 200, 200, 255)  # premultiplied, opaque
    layer[20:24, 60:70] = (50, 50, 50, 128)
    ov = PlaneOverlay(Overlay(layer, 0, 101, 0, 1), W, H)
    (_, (x0, y0, x1, y1), *_), *_ = ov.parts
    assert (x0, y0, x1, y1) == (50, 110, 92, 126)  # the ink, widened to even pixels
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 255, (H, W, 3), np.uint8)
    planes = Planes.from_rgb(rgb)
    before = planes.to_i420().copy()
    ov.blend(planes)
    ref = rgb.copy()
    ref[101:141] = (layer[..., :3] + (ref[101:141].astype(np.uint16) * (255 - layer[..., 3:4]) + 127) // 255)
    assert psnr(rgb_to_i420(ref), planes.to_i420()) > BEFORE_DB
    changed = np.argwhere(planes.y != Planes._split(before, W, H).y)
    assert changed[:, 0].min() >= 110 and changed[:, 0].max() < 126

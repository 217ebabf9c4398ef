"""Encoder and stitcher: frames generated in code, results checked by probing and decoding."""

import av
import numpy as np
import pytest

from reelwright.media.frames import (
    Camera,
    Overlay,
    ShotFrames,
    expand_runs,
    paste_premultiplied,
)
from reelwright.media.video import EncoderSettings, SegmentWriter, assemble, probe


def _segment(path, n, colour, settings):
    with SegmentWriter(path, settings) as w:
        for i in range(n):
            f = np.zeros((settings.height, settings.width, 3), np.uint8)
            f[:] = colour
            f[: (i * 7) % settings.height, :, 1] = 200  # moving edge
            w.write(f)
    return path


def test_segments_stitch_to_faststart_mp4_with_exact_frames(tmp_path):
    s = EncoderSettings(width=160, height=288, fps=30, preset="superfast")
    segs = [_segment(tmp_path / f"s{k}.mp4", n, (40 * k, 0, 200), s) for k, n in enumerate([10, 31, 7])]
    sr = 48000
    t = np.arange(round(48 / 30 * sr)) / sr
    audio = np.stack([0.1 * np.sin(2 * np.pi * 330 * t)] * 2, axis=1)
    out = assemble(tmp_path / "out.mp4", segs, audio, sr)
    info = probe(out, count_frames=True)
    v, a = info["video"], info["audio"]
    assert (v["codec"], v["profile"], v["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert (v["width"], v["height"], v["fps"]) == (160, 288, 30.0)
    assert v["frames"] == v["decoded_frames"] == 48
    assert abs(v["duration"] - 48 / 30) < 1 / 30
    assert (a["codec"], a["sample_rate"], a["channels"]) == ("aac", 48000, 2)
    head = out.read_bytes()[:4096]
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))
    # the colours of each segment come back in order
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert frames[0][-10:, :, 2].mean() > 150 and frames[20][-10:, :, 0].mean() > 25
    assert frames[45][-10:, :, 0].mean() > 65


def test_camera_moves_change_the_view():
    W, H = 90, 160
    still = np.random.default_rng(1).integers(0, 255, (H * 2, W * 2, 3), np.uint8)
    import cv2

    for move in ("push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "shake"):
        cam = Camera(move, W, H, seed=3)
        sw, sh = cam.still_size()
        s = cv2.resize(still, (sw, sh))
        a, b = cam.view(s, 0.0, 0), cam.view(s, 1.0, 30)
        assert a.shape == (H, W, 3)
        assert np.abs(a.astype(int) - b.astype(int)).mean() > 5, move
    cam = Camera("static", W, H)
    s = still[:H, :W]
    assert cam.view(s, 0.5, 3) is s


def test_push_in_magnifies():
    W, H = 100, 100
    cam = Camera("push_in", W, H)
    sw, sh = cam.still_size()
    still = np.zeros((sh, sw, 3), np.uint8)
    cy, cx = sh // 2, sw // 2
    still[cy - 10:cy + 10, cx - 10:cx + 10] = 255
    first = (cam.view(still, 0.0, 0)[..., 0] > 128).sum()
    last = (cam.view(still, 1.0, 9)[..., 0] > 128).sum()
    assert last > first * 1.2


def test_overlay_and_mouth_runs():
    frame = np.zeros((20, 20, 3), np.uint8)
    layer = np.zeros((4, 4, 4), np.uint8)
    layer[..., :3] = 128
    layer[..., 3] = 128  # premultiplied 50% white-ish
    paste_premultiplied(frame, Overlay(layer, 2, 2, 0, 1))
    assert frame[3, 3, 0] == 128 and frame[10, 10, 0] == 0
    m = expand_runs([2, 3, 1, 2], 8)
    assert m.tolist() == [False, False, True, True, True, False, True, True]
    closed = np.zeros((8, 8, 3), np.uint8)
    opened = np.full((8, 8, 3), 255, np.uint8)
    shot = ShotFrames(Camera("static", 8, 8), (closed, opened), 8, m)
    assert [int(f.mean() > 0) for f in shot] == [int(x) for x in m]


@pytest.mark.slow
@pytest.mark.parametrize("size", [(216, 384), (270, 480), (108, 192), (1080, 1920)])
@pytest.mark.parametrize("move", ["push_in", "pull_out"])
def test_the_first_and_last_frames_of_a_move_show_the_whole_still(size, move):
    """At sizes where the still is a fraction of a pixel short of the view, the crop must not collapse to one
    column or row (it used to at 216×384: a frame of stretched stripes)."""
    from reelwright.media.frames import Camera

    w, h = size
    cam = Camera(move, w, h, 7)
    sw, sh = cam.still_size()
    yy, xx = np.mgrid[0:sh, 0:sw]
    still = np.stack([xx * 255 // max(sw - 1, 1), yy * 255 // max(sh - 1, 1), np.zeros_like(xx)], -1).astype(np.uint8)
    for t in (0.0, 1.0):
        frame = cam.view(still, t, 0 if t == 0 else 99).astype(int)
        assert frame.shape == (h, w, 3)
        assert frame[:, :, 0].max() - frame[:, :, 0].min() > 150 and frame[:, :, 1].max() - frame[:, :, 1].min() > 150

"""Per-frame work for one shot: camera move (one affine warp), mouth state, text overlays.

A shot's stills are drawn once (larger than the frame when the camera moves);
each frame is then only a warp of the right still, the cached text layers
pasted on, and for crossfades a blend with the previous shot's frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

__all__ = ["MOVE_MARGIN", "Camera", "Overlay", "ShotFrames", "paste_premultiplied", "expand_runs", "fit_cover",
           "load_still", "ClipReader"]

MOVE_MARGIN = {"static": 1.0, "push_in": 1.18, "pull_out": 1.18, "pan_left": 1.16, "pan_right": 1.16,
               "tilt_up": 1.12, "tilt_down": 1.12, "shake": 1.06}


def _ease(t: float) -> float:
    return t * t * (3 - 2 * t)


@dataclass
class Camera:
    """Where the frame looks into a still of size ``margin`` × frame size, at shot progress t ∈ [0, 1]."""

    move: str
    width: int
    height: int
    seed: int = 0

    @property
    def margin(self) -> float:
        return MOVE_MARGIN.get(self.move, 1.0)

    def still_size(self) -> tuple[int, int]:
        m = self.margin
        return int(round(self.width * m / 2) * 2), int(round(self.height * m / 2) * 2)

    def matrix(self, t: float, frame: int) -> np.ndarray | None:
        """2×3 affine from still pixels to frame pixels; None when the still is the frame."""
        W, H = self.width, self.height
        SW, SH = self.still_size()
        if self.move == "static" or (SW, SH) == (W, H) and self.move != "shake":
            return None
        e = _ease(min(max(t, 0.0), 1.0))
        vw, vh = float(W), float(H)  # 1:1 view
        cx, cy = SW / 2, SH / 2
        if self.move in ("push_in", "pull_out"):
            z = e if self.move == "push_in" else 1 - e
            scale = self.margin + (1.0 - self.margin) * z  # view size relative to frame: margin → 1
            vw, vh = W * scale, H * scale
            cy = SH / 2 - (SH - vh) / 2 * 0.35 * z  # drift towards the faces in the upper half
        elif self.move in ("pan_left", "pan_right"):
            span = (SW - W) / 2
            cx = SW / 2 + (span * (2 * e - 1) if self.move == "pan_right" else span * (1 - 2 * e))
        elif self.move in ("tilt_up", "tilt_down"):
            span = (SH - H) / 2
            cy = SH / 2 + (span * (1 - 2 * e) if self.move == "tilt_up" else span * (2 * e - 1))
        elif self.move == "shake":
            amp = (SW - W) / 2 * 0.8 * math.exp(-3.0 * t)
            rng = np.random.default_rng(self.seed * 100_003 + frame)
            dx, dy = rng.uniform(-1, 1, 2) * amp
            cx, cy = SW / 2 + dx, SH / 2 + dy
        sx, sy = W / vw, H / vh
        x0, y0 = cx - vw / 2, cy - vh / 2
        return np.array([[sx, 0, -x0 * sx], [0, sy, -y0 * sy]], dtype=np.float64)

    def crop(self, still_w: int, still_h: int, t: float, frame: int) -> tuple[int, int, int, int]:
        """The whole-pixel rectangle (x0, y0, x1, y1) of a ``still_w`` × ``still_h`` still that frame ``frame``
        (at progress ``t``) shows, scaled to the frame size; the moves only scale and translate.

        One rule for both renderers (RGB :meth:`view`, and the I420 planes of :mod:`reelwright.media.planes`)."""
        m = self.matrix(t, frame)
        if m is None:
            x0, y0 = (still_w - self.width) // 2, (still_h - self.height) // 2
            return x0, y0, x0 + self.width, y0 + self.height
        sx, sy = m[0, 0], m[1, 1]
        x0, y0 = -m[0, 2] / sx, -m[1, 2] / sy
        vw, vh = self.width / sx, self.height / sy
        w, h = still_w, still_h
        # a still a fraction of a pixel smaller than the view must not round to -1 (a one-pixel crop)
        xa, ya = max(int(round(min(max(x0, 0), w - vw))), 0), max(int(round(min(max(y0, 0), h - vh))), 0)
        return xa, ya, min(xa + int(round(vw)), w), min(ya + int(round(vh)), h)

    def view(self, still: np.ndarray, t: float, frame: int) -> np.ndarray:
        h, w = still.shape[:2]
        if self.matrix(t, frame) is None and (w, h) == (self.width, self.height):
            return still
        # Crop the view and resize it (about 4× cheaper than a general warpAffine at 1080×1920); the crop is
        # rounded to whole still pixels.
        xa, ya, xb, yb = self.crop(w, h, t, frame)
        roi = still[ya:yb, xa:xb]
        if roi.shape[1] == self.width and roi.shape[0] == self.height:
            return roi
        return cv2.resize(roi, (self.width, self.height), interpolation=cv2.INTER_LINEAR)


def fit_cover(img: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale ``img`` (RGB) to cover ``width`` × ``height`` and crop the middle: no bars, no distortion."""
    h, w = img.shape[:2]
    if (w, h) == (width, height):
        return img
    scale = max(width / w, height / h)
    sw, sh = max(width, math.ceil(w * scale - 1e-6)), max(height, math.ceil(h * scale - 1e-6))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(img, (sw, sh), interpolation=interp) if (sw, sh) != (w, h) else img
    x0, y0 = (sw - width) // 2, (sh - height) // 2
    return np.ascontiguousarray(scaled[y0:y0 + height, x0:x0 + width])


def load_still(path: str, width: int, height: int) -> np.ndarray:
    """A generated picture file (PNG, JPEG, WebP) as RGB uint8, cover-fitted to ``width`` × ``height``."""
    from PIL import Image  # noqa: PLC0415

    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB"))
    return fit_cover(rgb, width, height)


class ClipReader:
    """Frames of a generated clip for a shot of ``fps`` frames a second, fitted to ``width`` × ``height``.

    Shot frame i shows the clip frame at the same time (the clip's own rate may differ). Past the clip's end
    the clip loops (``fit="loop"``) or holds its last frame (``"hold"``); a longer clip is simply cut off.
    Decoding streams: one decoded frame is held, never the clip; asking for an earlier frame reopens it.
    """

    def __init__(self, path: str, width: int, height: int, fps: int, fit: str = "hold") -> None:
        import av  # noqa: PLC0415

        self.path, self.width, self.height, self.fps, self.fit = str(path), width, height, fps, fit
        with av.open(self.path) as c:
            stream = c.streams.video[0]
            self.rate = float(stream.average_rate or stream.guessed_rate or fps)
        self.count: int | None = None  # known once decoding reached the end
        self._container = None
        self._frames = None
        self._pos = -1  # index of the last decoded frame
        self._raw = None  # that frame, still undecoded to RGB
        self._fitted: tuple[int, np.ndarray] | None = None

    def _open(self) -> None:
        import av  # noqa: PLC0415

        self.close()
        self._container = av.open(self.path)
        self._frames = self._container.decode(video=0)
        self._pos, self._raw = -1, None

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container, self._frames = None, None

    def _seek(self, index: int) -> bool:
        """Decode up to clip frame ``index``; False when the clip ends before it."""
        if self._frames is None or index < self._pos:
            self._open()
        while self._pos < index:
            try:
                frame = next(self._frames)
            except StopIteration:
                self.count = self._pos + 1
                return False
            self._pos, self._raw = self._pos + 1, frame
        return True

    def source_index(self, i: int) -> int:
        """The clip frame shown at shot frame ``i`` (once the clip's length is known)."""
        index = int(i * self.rate / self.fps + 1e-6)
        if self.count is not None and index >= self.count:
            index = index % self.count if self.fit == "loop" else self.count - 1
        return index

    def frame(self, i: int) -> np.ndarray:
        index = self.source_index(i)
        if self._fitted is not None and self._fitted[0] == index:
            return self._fitted[1]
        if not self._seek(index):
            if not self.count:
                raise ValueError(f"{self.path}: the clip holds no video frames")
            index = self.source_index(i)
            if self._fitted is not None and self._fitted[0] == index:
                return self._fitted[1]
            self._seek(index)
        img = fit_cover(self._raw.to_ndarray(format="rgb24"), self.width, self.height)
        self._fitted = (index, img)
        return img


@dataclass
class Overlay:
    """A premultiplied RGBA layer shown at (x, y) from frame ``start`` (inclusive) to ``end`` (exclusive)."""

    layer: np.ndarray
    x: int
    y: int
    start: int
    end: int
    _rgb: np.ndarray | None = field(default=None, repr=False)
    _inv: np.ndarray | None = field(default=None, repr=False)

    def prepare(self) -> None:
        if self._rgb is None:
            self._rgb = self.layer[..., :3].astype(np.uint16)
            self._inv = (255 - self.layer[..., 3:4]).astype(np.uint16)


def paste_premultiplied(frame: np.ndarray, ov: Overlay) -> np.ndarray:
    """frame = layer + frame × (1 − α) over the layer's rectangle (in place on a copy-safe frame)."""
    ov.prepare()
    h, w = ov.layer.shape[:2]
    H, W = frame.shape[:2]
    x0, y0 = max(ov.x, 0), max(ov.y, 0)
    x1, y1 = min(ov.x + w, W), min(ov.y + h, H)
    if x0 >= x1 or y0 >= y1:
        return frame
    lx, ly = x0 - ov.x, y0 - ov.y
    region = frame[y0:y1, x0:x1].astype(np.uint16)
    inv = ov._inv[ly:ly + (y1 - y0), lx:lx + (x1 - x0)]
    rgb = ov._rgb[ly:ly + (y1 - y0), lx:lx + (x1 - x0)]
    frame[y0:y1, x0:x1] = (rgb + (region * inv + 127) // 255).astype(np.uint8)
    return frame


def expand_runs(runs: list[int], frames: int) -> np.ndarray:
    """Run lengths [closed, open, closed, …] → a bool per frame (True = mouth open)."""
    out = np.zeros(frames, dtype=bool)
    pos, state = 0, False
    for n in runs:
        if state:
            out[pos:pos + n] = True
        pos += n
        state = not state
    return out


@dataclass
class ShotFrames:
    """Iterate the RGB frames of one shot.

    ``stills`` is (mouth closed, mouth open) at the camera's still size; ``mouth``
    a bool per frame; ``overlays`` text layers in shot-relative frames; ``previous``
    (another ShotFrames, already positioned at its tail) is blended over the first
    ``fade_in`` frames.
    """

    camera: Camera
    stills: tuple[np.ndarray, np.ndarray]
    frames: int
    mouth: np.ndarray
    overlays: list[Overlay] = field(default_factory=list)
    fade_in: int = 0
    previous: "ShotFrames | None" = None
    previous_offset: int = 0
    duration_for_move: int = 0
    clip: ClipReader | None = None  # a generated clip instead of the stills: no camera move, no mouth

    def frame(self, i: int) -> np.ndarray:
        if self.clip is not None:
            still = img = self.clip.frame(i)
        else:
            span = max((self.duration_for_move or self.frames) - 1, 1)
            still = self.stills[1] if (i < len(self.mouth) and self.mouth[i]) else self.stills[0]
            img = self.camera.view(still, i / span, i)
        if self.previous is not None and i < self.fade_in:
            prev = self.previous.frame(self.previous_offset + i)
            a = (i + 1) / (self.fade_in + 1)
            img = cv2.addWeighted(img, a, prev, 1 - a, 0)
        active = [o for o in self.overlays if o.start <= i < o.end]
        if active:
            if img is still or img.base is still:
                img = img.copy()
            for ov in active:
                paste_premultiplied(img, ov)
        return img

    def __iter__(self) -> Iterator[np.ndarray]:
        try:
            for i in range(self.frames):
                yield self.frame(i)
        finally:
            self.close()

    def close(self) -> None:
        """Close the clips this shot (and the one it dissolves from) read."""
        if self.clip is not None:
            self.clip.close()
        if self.previous is not None:
            self.previous.close()

"""Frames drawn in the encoder's own pixel format: I420 planes (Y full size, U and V at half size) end to end.

The RGB path (:class:`reelwright.media.frames.ShotFrames`) warps RGB, pastes RGB overlays, then converts every
frame to I420 for x264. Here the stills and text layers are converted once per shot, and each frame is only:

* the camera's whole-pixel crop of the still (:meth:`Camera.crop`, the RGB path's geometry), copied, or
  scaled to the frame by one affine warp per plane when the crop is not frame-sized: Y at full size, U and V
  straight to half size from the still's full-resolution chroma; no colour conversion;
* text layers blended inside their inked bounding box only (premultiplied Y, U, V and 1 − α, made once);
* nothing at all when what is on screen did not change (same still, same crop, same text): the buffer already
  holds the frame, and the encoder is handed it again.

Frames are drawn into a buffer the caller owns (the encoder's input frame): no per-frame allocation.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

from reelwright.media.frames import Camera, ClipReader, Overlay, ShotFrames

__all__ = ["Planes", "PlaneOverlay", "PlaneShot", "psnr"]


class Planes:
    """An I420 picture: ``y`` (H×W), ``u`` and ``v`` (H/2×W/2) uint8 planes, views into any buffer."""

    __slots__ = ("y", "u", "v", "u444", "v444")

    def __init__(self, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> None:
        self.y, self.u, self.v = y, u, v
        self.u444: np.ndarray | None = None  # chroma of every pixel (H×W), see :meth:`from_rgb`
        self.v444: np.ndarray | None = None

    @property
    def width(self) -> int:
        return self.y.shape[1]

    @property
    def height(self) -> int:
        return self.y.shape[0]

    @classmethod
    def _split(cls, i420: np.ndarray, width: int, height: int) -> "Planes":
        flat = i420.reshape(-1)
        n, q = width * height, (width // 2) * (height // 2)
        return cls(flat[:n].reshape(height, width), flat[n:n + q].reshape(height // 2, width // 2),
                   flat[n + q:n + 2 * q].reshape(height // 2, width // 2))

    @classmethod
    def empty(cls, width: int, height: int) -> "Planes":
        return cls._split(np.zeros(width * height * 3 // 2, np.uint8), width, height)

    @classmethod
    def from_rgb(cls, rgb: np.ndarray, *, full_chroma: bool = False) -> "Planes":
        """RGB (even width and height) → I420, BT.601 limited range, exactly as the RGB path converts.

        I420 keeps the chroma of each 2×2 block's top-left pixel. A camera move samples the still between
        those pixels, so ``full_chroma`` also keeps the chroma of every pixel (``u444``, ``v444``: the
        I420 conversions of the still shifted by one column and/or row, interleaved), from which a moving
        frame's chroma is taken exactly where the RGB path takes it."""
        h, w = rgb.shape[:2]
        rgb = np.ascontiguousarray(rgb)
        out = cls._split(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420), w, h)
        if full_chroma:
            out.u444, out.v444 = np.empty((h, w), np.uint8), np.empty((h, w), np.uint8)
            for px, py in ((0, 0), (1, 0), (0, 1), (1, 1)):
                sw, sh = (w - px) & ~1, (h - py) & ~1
                part = out if (px, py) == (0, 0) else cls._split(
                    cv2.cvtColor(np.ascontiguousarray(rgb[py:py + sh, px:px + sw]), cv2.COLOR_RGB2YUV_I420), sw, sh)
                for full, half in ((out.u444, part.u), (out.v444, part.v)):
                    full[py:py + sh:2, px:px + sw:2] = half
            for full in (out.u444, out.v444):  # the last column and row have no shifted block: repeat
                full[:, -1] = full[:, -2]
                full[-1, :] = full[-2, :]
        return out

    def to_i420(self) -> np.ndarray:
        """The planes as one contiguous (H·3/2)×W I420 array."""
        return np.concatenate([self.y.reshape(-1), self.u.reshape(-1), self.v.reshape(-1)]).reshape(-1, self.width)

    def to_rgb(self) -> np.ndarray:
        return cv2.cvtColor(self.to_i420(), cv2.COLOR_YUV2RGB_I420)

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.y, self.u, self.v))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two uint8 arrays in dB (inf when identical)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


class PlaneOverlay:
    """An :class:`Overlay` (premultiplied RGBA at x, y, shown frames [start, end)) as I420 layers.

    Cut to the bounding box of its ink, aligned to even pixels (so the chroma box is whole) and to the frame.
    Per plane it keeps the premultiplied layer L and 1 − α, so blending is out = L + dst · (1 − α)."""

    def __init__(self, ov: Overlay, width: int, height: int) -> None:
        self.start, self.end = ov.start, ov.end
        self.parts: list[tuple[int, tuple[int, int, int, int], np.ndarray, np.ndarray, np.ndarray]] = []
        alpha = ov.layer[..., 3]
        rows, cols = np.nonzero(alpha.any(axis=1))[0], np.nonzero(alpha.any(axis=0))[0]
        if not len(rows):
            return
        # the inked box in frame pixels, widened to even coordinates and clipped to the frame
        x0, x1 = max(ov.x + int(cols[0]), 0) & ~1, min(ov.x + int(cols[-1]) + 1, width)
        y0, y1 = max(ov.y + int(rows[0]), 0) & ~1, min(ov.y + int(rows[-1]) + 1, height)
        x1, y1 = min(x1 + (x1 & 1), width & ~1), min(y1 + (y1 & 1), height & ~1)
        if x1 <= x0 or y1 <= y0:
            return
        box = np.zeros((y1 - y0, x1 - x0, 4), np.uint8)  # the layer's pixels over that box (zero outside it)
        lx0, ly0 = x0 - ov.x, y0 - ov.y
        sx0, sy0 = max(lx0, 0), max(ly0, 0)
        sx1, sy1 = min(lx0 + box.shape[1], ov.layer.shape[1]), min(ly0 + box.shape[0], ov.layer.shape[0])
        box[sy0 - ly0:sy1 - ly0, sx0 - lx0:sx1 - lx0] = ov.layer[sy0:sy1, sx0:sx1]
        a = box[..., 3].astype(np.float32)
        ac = a[::2, ::2]  # I420 chroma is the top-left pixel's of each 2×2 block (as cv2 converts)
        lay = Planes.from_rgb(box[..., :3])  # T(L) = A·L + offset: premultiplied needs offset·α, not offset
        for idx, (plane, alpha_p, offset) in enumerate(((lay.y, a, 16.0), (lay.u, ac, 128.0), (lay.v, ac, 128.0))):
            prem = np.clip(np.rint(plane - offset * (1 - alpha_p / 255.0)), 0, 255).astype(np.uint8)
            inv = np.rint(255.0 - alpha_p).astype(np.uint8)
            scale = 1 if idx == 0 else 2
            rect = (x0 // scale, y0 // scale, x1 // scale, y1 // scale)
            self.parts.append((idx, rect, prem, inv, np.empty_like(prem)))

    def blend(self, dst: Planes) -> None:
        """dst = L + dst × (1 − α) inside the layer's box, in place."""
        planes = (dst.y, dst.u, dst.v)
        for idx, (x0, y0, x1, y1), prem, inv, scratch in self.parts:
            region = planes[idx][y0:y1, x0:x1]
            cv2.multiply(region, inv, dst=scratch, scale=1 / 255)
            cv2.add(scratch, prem, dst=region)


@dataclass
class PlaneShot:
    """The frames of one shot drawn as I420 planes into a buffer the caller owns (:meth:`draw`).

    Same fields as :class:`~reelwright.media.frames.ShotFrames`, with the stills as :class:`Planes` and the
    overlays as :class:`PlaneOverlay`. ``times``, when given, collects seconds spent per step
    (``warp``, ``overlay``, ``convert``, ``fade``) and ``reused`` frames (drawn by doing nothing)."""

    camera: Camera
    stills: tuple[Planes, Planes]
    frames: int
    mouth: np.ndarray
    overlays: list[PlaneOverlay] = field(default_factory=list)
    fade_in: int = 0
    previous: "PlaneShot | None" = None
    previous_offset: int = 0
    duration_for_move: int = 0
    clip: ClipReader | None = None
    times: dict[str, float] | None = None
    _drawn: tuple | None = field(default=None, repr=False)  # what the buffer last drawn into shows
    _into: Planes | None = field(default=None, repr=False)
    _prev_buf: Planes | None = field(default=None, repr=False)
    _rgb2yuv: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_frames(cls, frames: ShotFrames, times: dict[str, float] | None = None) -> "PlaneShot":
        """The same shot as an RGB :class:`ShotFrames`, converted once: stills to planes, text to layers."""
        W, H = frames.camera.width, frames.camera.height
        stills: tuple[Planes, Planes]
        if frames.clip is not None:
            blank = Planes.empty(2, 2)
            stills = (blank, blank)
        else:
            moving = frames.camera.move != "static"  # a move samples chroma between I420's samples
            closed = Planes.from_rgb(frames.stills[0], full_chroma=moving)
            opened = closed if frames.stills[1] is frames.stills[0] else Planes.from_rgb(frames.stills[1],
                                                                                           full_chroma=moving)
            stills = (closed, opened)
        previous = cls.from_frames(frames.previous, times) if frames.previous is not None else None
        return cls(frames.camera, stills, frames.frames, frames.mouth,
                   [PlaneOverlay(o, W, H) for o in frames.overlays], frames.fade_in, previous,
                   frames.previous_offset, frames.duration_for_move, frames.clip, times)

    def _tick(self, name: str, t0: float) -> float:
        t1 = time.perf_counter()
        if self.times is not None:
            self.times[name] = self.times.get(name, 0.0) + t1 - t0
        return t1

    def _picture_state(self, i: int) -> tuple:
        """What frame ``i`` shows before text and fades: the clip frame, or (still, crop rectangle)."""
        if self.clip is not None:
            return ("clip", id(self.clip.frame(i)))  # the fitted frame is cached: same object while it holds
        span = max((self.duration_for_move or self.frames) - 1, 1)
        which = 1 if (i < len(self.mouth) and self.mouth[i]) else 0
        still = self.stills[which]
        return (which, *self.camera.crop(still.width, still.height, i / span, i))

    def _picture(self, i: int, state: tuple, dst: Planes) -> None:
        t0 = time.perf_counter()
        if self.clip is None:
            _warp(self.stills[state[0]], state[1:], dst)
            self._tick("warp", t0)
            return
        W, H = self.camera.width, self.camera.height
        if self._rgb2yuv is None:
            self._rgb2yuv = np.empty((H * 3 // 2, W), np.uint8)
        cv2.cvtColor(self.clip.frame(i), cv2.COLOR_RGB2YUV_I420, dst=self._rgb2yuv)
        for d, s in zip(dst, Planes._split(self._rgb2yuv, W, H)):
            np.copyto(d, s)
        self._tick("convert", t0)

    def draw(self, i: int, dst: Planes) -> bool:
        """Make ``dst`` show frame ``i``. The caller passes the same buffer every frame; what this shot drew
        there last is remembered, so an unchanged frame costs nothing (returns False) and a frame whose only
        change is its text skips the warp."""
        fading = self.previous is not None and i < self.fade_in
        active = tuple(n for n, o in enumerate(self.overlays) if o.start <= i < o.end)
        picture = self._picture_state(i)
        last = self._drawn if self._into is dst else None
        if not fading and last == (picture, active, None):
            if self.times is not None:
                self.times["reused"] = self.times.get("reused", 0) + 1
            return False
        if not (last is not None and last[0] == picture and not last[1] and last[2] is None):  # not bare there
            self._picture(i, picture, dst)
        a = None
        if fading:
            assert self.previous is not None
            if self._prev_buf is None:
                self._prev_buf = Planes.empty(self.camera.width, self.camera.height)
            self.previous.times = self.times
            self.previous.draw(self.previous_offset + i, self._prev_buf)
            t0 = time.perf_counter()
            a = (i + 1) / (self.fade_in + 1)
            for d, p in zip(dst, self._prev_buf):
                cv2.addWeighted(d, a, p, 1 - a, 0, dst=d)
            self._tick("fade", t0)
        if active:
            t0 = time.perf_counter()
            for n in active:
                self.overlays[n].blend(dst)
            self._tick("overlay", t0)
        self._drawn, self._into = (picture, active, a), dst
        return True

    def close(self) -> None:
        if self.clip is not None:
            self.clip.close()
        if self.previous is not None:
            self.previous.close()


def _warp(still: Planes, rect: tuple[int, int, int, int], dst: Planes) -> None:
    """dst = the crop ``rect`` (whole still pixels) of ``still``, scaled to dst's size; chroma at half size.

    The geometry is the RGB path's (crop, then a linear resize when the crop is not frame-sized), as one
    affine warp per plane. I420 chroma
    sample u of a frame is that of frame pixel 2u, which the resize takes from still pixel
    x0 + (2u + ½)·r − ½ (r = crop width / frame width): a strided crop of the still's full chroma for a
    frame-sized crop, else one affine warp of it straight to half size."""
    xa, ya, xb, yb = rect
    W, H = dst.width, dst.height
    rw, rh = xb - xa, yb - ya
    cw, ch = W // 2, H // 2
    if (rw, rh) == (W, H):
        np.copyto(dst.y, still.y[ya:yb, xa:xb])
        if still.u444 is not None:  # frame pixel 2u is still pixel xa + 2u
            np.copyto(dst.u, still.u444[ya:yb:2, xa:xb:2])
            np.copyto(dst.v, still.v444[ya:yb:2, xa:xb:2])
            return
    rx, ry = rw / W, rh / H
    if (rw, rh) != (W, H):  # frame pixel x is still pixel xa + (x + ½)·r − ½ (cv2.resize's linear map of the
        # crop; one warp of the whole plane is twice as fast as resizing a crop slightly larger than the frame)
        m = np.array([[rx, 0.0, 0.5 * rx - 0.5 + xa], [0.0, ry, 0.5 * ry - 0.5 + ya]])
        cv2.warpAffine(still.y, m, (W, H), dst=dst.y, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                       borderMode=cv2.BORDER_REPLICATE)
    if still.u444 is not None:  # frame pixel 2u is still pixel xa + (2u + ½)·r − ½
        m = np.array([[2 * rx, 0.0, 0.5 * rx - 0.5 + xa], [0.0, 2 * ry, 0.5 * ry - 0.5 + ya]])
        planes = ((dst.u, still.u444), (dst.v, still.v444))
    else:  # only the I420 chroma: c = (u + ¼)·r + x0/2 − ¼ in its samples
        m = np.array([[rx, 0.0, 0.25 * rx + xa / 2 - 0.25], [0.0, ry, 0.25 * ry + ya / 2 - 0.25]])
        planes = ((dst.u, still.u), (dst.v, still.v))
    for d, s in planes:
        cv2.warpAffine(s, m, (cw, ch), dst=d, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                       borderMode=cv2.BORDER_REPLICATE)

"""H.264 encoding with PyAV: per-shot segments, stitched into a faststart MP4 with an AAC mix.

Every shot is encoded to its own small MP4 (starting on a keyframe, identical
encoder settings), so shots render in parallel processes and a one-line edit
re-encodes only the shots it touches. :func:`assemble` copies the segments'
packets into one stream (no re-encode) and encodes the audio mix beside them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from reelwright.fsutil import place, storage_errors, temp_path
from reelwright.media.planes import Planes

__all__ = ["EncoderSettings", "SegmentWriter", "assemble", "probe", "rgb_to_i420", "DRAFT_COMMENT", "is_draft"]

# The container comment of every draft segment and episode (``build --draft``): what delivery refuses.
DRAFT_COMMENT = "reelwright draft: a preview, not for delivery"


@dataclass(frozen=True)
class EncoderSettings:
    width: int = 1080
    height: int = 1920
    fps: int = 30
    crf: int = 21
    preset: str = "veryfast"
    threads: int = 0  # 0 = let x264 decide
    draft: bool = False  # a preview (``build --draft``): the file says so in its comment

    def as_dict(self) -> dict:
        return {"codec": "libx264", "profile": "high", "pix_fmt": "yuv420p", "width": self.width,
                "height": self.height, "fps": self.fps, "crf": self.crf, "preset": self.preset}


def rgb_to_i420(rgb: np.ndarray) -> np.ndarray:
    """RGB H×W×3 → planar I420 (H·3/2)×W, BT.601 limited range, as x264's yuv420p input."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)


class SegmentWriter:
    """Encode frames to ``path``; always flushed and closed on exit.

    Either :meth:`write` RGB (or ready I420) arrays, or draw into :meth:`planes` (the encoder's own input
    frame, reused for every frame: x264 copies a picture when it is handed one) and :meth:`send` it."""

    def __init__(self, path: str | Path, settings: EncoderSettings) -> None:
        self.settings = settings
        self.path = Path(path)
        self.container = av.open(str(self.path), mode="w", format="mp4")
        stream = self.container.add_stream(
            "libx264", rate=settings.fps,
            options={"crf": str(settings.crf), "preset": settings.preset, "profile": "high"},
        )
        stream.width = settings.width
        stream.height = settings.height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, settings.fps)
        stream.codec_context.thread_type = "AUTO"
        if settings.threads:
            stream.codec_context.thread_count = settings.threads
        stream.codec_context.color_range = 1  # MPEG / limited
        stream.codec_context.colorspace = 6  # SMPTE 170M (BT.601), what cvtColor produces
        stream.codec_context.color_primaries = 6
        stream.codec_context.color_trc = 6
        if settings.draft:
            self.container.metadata["comment"] = DRAFT_COMMENT
        self.stream = stream
        self.count = 0
        self._frame: av.VideoFrame | None = None
        self._planes: Planes | None = None

    def write(self, frame: np.ndarray) -> None:
        if frame.ndim == 3:
            frame = rgb_to_i420(frame)
        vf = av.VideoFrame.from_ndarray(frame, format="yuv420p")
        vf.pts = self.count
        vf.time_base = Fraction(1, self.settings.fps)
        self.count += 1
        self.container.mux(self.stream.encode(vf))

    def planes(self) -> Planes:
        """The encoder's input frame as writable I420 planes (the same buffer every call)."""
        if self._planes is None:
            vf = av.VideoFrame(self.settings.width, self.settings.height, "yuv420p")
            views = [np.frombuffer(p, np.uint8, count=p.line_size * p.height).reshape(p.height, p.line_size)
                     [:, :p.width] for p in vf.planes]
            self._frame, self._planes = vf, Planes(*views)
        return self._planes

    def send(self) -> None:
        """Encode what :meth:`planes` holds now as the next frame."""
        vf = self._frame
        if vf is None:
            raise RuntimeError("send() before planes(): draw into the writer's planes first")
        vf.pts = self.count
        vf.time_base = Fraction(1, self.settings.fps)
        self.count += 1
        self.container.mux(self.stream.encode(vf))

    def close(self) -> None:
        if self.container is None:
            return
        try:
            self.container.mux(self.stream.encode(None))
        finally:
            self.container.close()
            self.container = None

    def __enter__(self) -> "SegmentWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _video_packets(segments: list[Path], out_stream) -> Iterator[tuple[float, av.Packet]]:
    offset = 0  # in out_stream time_base ticks
    for seg in segments:
        with av.open(str(seg)) as src:
            vs = src.streams.video[0]
            tb = vs.time_base
            frames = 0
            for packet in src.demux(vs):
                if packet.dts is None:
                    continue
                frames += 1
                shift = round(offset * out_stream.time_base / tb) if out_stream.time_base != tb else offset
                packet.pts += shift
                packet.dts += shift
                packet.stream = out_stream
                yield float(packet.pts * tb), packet
            seg_frames = vs.frames or frames
            fps = vs.average_rate or vs.guessed_rate
            offset += round(Fraction(seg_frames) / Fraction(fps) / tb)


def _audio_packets(audio: np.ndarray, sample_rate: int, stream) -> Iterator[tuple[float, av.Packet]]:
    n = 1024
    planar = np.ascontiguousarray(audio.T.astype(np.float32))
    for start in range(0, planar.shape[1], n):
        chunk = planar[:, start:start + n]
        if chunk.shape[1] < n:
            chunk = np.pad(chunk, ((0, 0), (0, n - chunk.shape[1])))
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
        frame.sample_rate = sample_rate
        frame.pts = start
        frame.time_base = Fraction(1, sample_rate)
        for p in stream.encode(frame):
            yield float(p.pts * p.time_base), p
    for p in stream.encode(None):
        yield float(p.pts * p.time_base), p


def assemble(out: str | Path, segments: list[Path], audio: np.ndarray | None, sample_rate: int = 48000,
             *, audio_bitrate: int = 192_000, metadata: dict[str, str] | None = None) -> Path:
    """Stitch segment MP4s (same encoder settings) and an (N, 2) float mix into a faststart MP4.

    Written to a temp file beside ``out`` and renamed into place when complete.
    """
    out = Path(out)
    tmp = temp_path(out)
    try:
        with storage_errors(out), av.open(str(segments[0])) as first:
            template = first.streams.video[0]
            container = av.open(str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"})
            try:
                vstream = container.add_stream_from_template(template)
                for k, v in (metadata or {}).items():
                    container.metadata[k] = v
                astream = None
                if audio is not None:
                    astream = container.add_stream("aac", rate=sample_rate, layout="stereo")
                    astream.bit_rate = audio_bitrate
                    astream.codec_context.time_base = Fraction(1, sample_rate)
                vpk = _video_packets(segments, vstream)
                apk = _audio_packets(audio, sample_rate, astream) if astream is not None else iter(())
                for _, packet in _merge(vpk, apk):
                    container.mux(packet)
            finally:
                container.close()
        place(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def _merge(a: Iterable[tuple[float, av.Packet]], b: Iterable[tuple[float, av.Packet]]):
    """Interleave two time-ordered packet streams by time."""
    ia, ib = iter(a), iter(b)
    na, nb = next(ia, None), next(ib, None)
    while na is not None or nb is not None:
        if nb is None or (na is not None and na[0] <= nb[0]):
            yield na
            na = next(ia, None)
        else:
            yield nb
            nb = next(ib, None)


def is_draft(path: str | Path) -> bool:
    """Whether the MP4 at ``path`` is a draft preview (its comment is :data:`DRAFT_COMMENT`)."""
    with av.open(str(path)) as c:
        return c.metadata.get("comment", "") == DRAFT_COMMENT


def probe(path: str | Path, *, count_frames: bool = False) -> dict:
    """Probed facts about a media file (codec, profile, size, rate, duration, audio)."""
    info: dict = {}
    with av.open(str(path)) as c:
        info["format"] = c.format.name
        info["duration"] = float(c.duration / av.time_base) if c.duration else None
        if c.streams.video:
            v = c.streams.video[0]
            cc = v.codec_context
            info["video"] = {
                "codec": cc.name, "profile": cc.profile, "pix_fmt": cc.format.name if cc.format else None,
                "width": cc.width, "height": cc.height, "fps": float(v.average_rate or 0),
                "frames": v.frames, "duration": float(v.duration * v.time_base) if v.duration else None,
            }
        if c.streams.audio:
            a = c.streams.audio[0]
            info["audio"] = {"codec": a.codec_context.name, "sample_rate": a.codec_context.sample_rate,
                             "channels": a.codec_context.channels if hasattr(a.codec_context, "channels")
                             else a.codec_context.layout.nb_channels,
                             "duration": float(a.duration * a.time_base) if a.duration else None}
        if count_frames and c.streams.video:
            info["video"]["decoded_frames"] = sum(1 for _ in c.decode(video=0))
    return info


def decode_audio(path: Path) -> tuple[np.ndarray, int]:
    chunks = []
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        rate = stream.codec_context.sample_rate
        for frame in c.decode(stream):
            chunks.append(frame.to_ndarray().reshape(frame.layout.nb_channels, -1) if frame.format.is_planar
                          else frame.to_ndarray().reshape(-1, frame.layout.nb_channels).T)
    return np.concatenate(chunks, axis=1).T.astype(np.float64), rate

"""Integer time: frames at the episode rate and samples at the audio rate.

Inside documents time is always an integer count; seconds appear only at the
edges (CLI output, subtitle files, probing).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

__all__ = ["Timebase", "SAMPLE_RATE"]

SAMPLE_RATE = 48_000


@dataclass(frozen=True)
class Timebase:
    """A frame rate with exact conversions between frames, samples and seconds."""

    fps: Fraction = Fraction(30)
    sample_rate: int = SAMPLE_RATE

    @classmethod
    def of(cls, fps: int | float | str | Fraction, sample_rate: int = SAMPLE_RATE) -> "Timebase":
        return cls(Fraction(fps).limit_denominator(1001), sample_rate)

    @property
    def samples_per_frame(self) -> Fraction:
        return self.sample_rate / self.fps

    def frames_to_seconds(self, frames: int) -> float:
        return float(frames / self.fps)

    def seconds_to_frames(self, seconds: float) -> int:
        """Nearest frame to ``seconds``."""
        return round(Fraction(seconds).limit_denominator(10**6) * self.fps)

    def frames_to_samples(self, frames: int) -> int:
        return round(frames * self.samples_per_frame)

    def samples_to_frames(self, samples: int, *, ceil: bool = False) -> int:
        exact = samples / self.samples_per_frame
        if ceil:
            return -(-exact.numerator // exact.denominator)
        return round(exact)

    def timestamp(self, frames: int, sep: str = ",") -> str:
        """``HH:MM:SS,mmm`` for subtitle files."""
        ms = round(frames * 1000 / self.fps)
        h, rest = divmod(ms, 3_600_000)
        m, rest = divmod(rest, 60_000)
        s, ms = divmod(rest, 1000)
        return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"

"""How long things last on screen before they are voiced and cut: the one estimator.

The writing stage sizes episodes with it, the coverage rules use it to split long lines and to place shots, the
cut gives shots without a line their natural length from it, and the contact sheets and the breakdown show its
figures for episodes that are not built yet. Once lines are voiced, the cut times them by the measured audio.
"""

from __future__ import annotations

from reelwright.documents.script import (
    Action,
    Caption,
    Dialogue,
    Episode,
    SceneHeading,
    plain,
)
from reelwright.documents.storyboard import Shot
from reelwright.media.text import CJK_CHAR, cjk_count

__all__ = ["speech_seconds", "shot_frames", "element_seconds", "element_times", "episode_seconds",
           "ESTABLISHING", "REACTION", "CLIFFHANGER", "INSERT", "LINE_GAP"]

WORDS_PER_SECOND = 2.7  # the default English voice (Piper)
CJK_PER_SECOND = 4.2  # the default Mandarin voice (espeak-ng)
SPEECH_LEAD = 0.35  # seconds a voice takes to start and stop around its words
LINE_GAP = 0.4  # lead + tail the cut keeps around each voiced line
ESTABLISHING = 1.1  # the wide shot that opens a scene
REACTION = 0.8  # a reaction shot after a strong line
CLIFFHANGER = 1.6  # the held close-up that ends an episode
INSERT = 1.0  # a hook flash or a prop insert


def speech_seconds(text: str) -> float:
    """How long a synthetic voice takes to say ``text`` (words at 2.7 a second, CJK characters at 4.2)."""
    text = plain(text)
    cjk = cjk_count(text)
    words = len(CJK_CHAR.sub(" ", text).split())
    return SPEECH_LEAD + words / WORDS_PER_SECOND + cjk / CJK_PER_SECOND


def _reading(text: str) -> float:
    """Seconds to take in a caption or title card."""
    cjk = cjk_count(text)
    return min(max(cjk / 7.0 + (len(text) - cjk) / 15.0, 1.6), 4.0)


def _looking(text: str) -> float:
    """Seconds a shot with no line holds: longer for more to look at (its action), within 1.4–2.2 s."""
    words = len(text.split()) + cjk_count(text) / 2.5
    return min(max(words * 0.25, 1.4), 2.2)


def shot_frames(shot: Shot, fps: int) -> int:
    """The natural length of a shot that carries no voiced line (establishing, reaction, insert, caption…)."""
    text = shot.caption or shot.text or ""
    seconds = {"establishing": ESTABLISHING, "reaction": REACTION, "cliffhanger": CLIFFHANGER, "hook": INSERT,
               "insert": INSERT}.get(shot.reason)
    if seconds is None:
        seconds = _reading(text) if shot.reason in ("caption", "title") else _looking(text)
    return round(seconds * fps)


def element_seconds(el, strong: bool = False) -> float:
    """Estimated screen time of one script element as the board and the cut will treat it."""
    if isinstance(el, SceneHeading):
        return ESTABLISHING
    if isinstance(el, Action):
        return _looking(plain(el.text))
    if isinstance(el, Dialogue):
        return max(speech_seconds(el.text) + LINE_GAP, 1.0) + (REACTION if strong else 0.0)
    if isinstance(el, Caption):
        return _reading(plain(el.text))
    return 0.0


def element_times(episode: Episode, strong=lambda d: False) -> list[tuple[float, float]]:
    """Estimated ``(start, end)`` seconds of each element; ``strong(dialogue)`` marks lines that get a reaction."""
    out, t = [], 0.0
    for el in episode.elements:
        d = element_seconds(el, isinstance(el, Dialogue) and strong(el))
        out.append((t, t + d))
        t += d
    return out


def episode_seconds(episode: Episode, strong=lambda d: False) -> float:
    """Estimated length of the episode once built."""
    times = element_times(episode, strong)
    return times[-1][1] if times else 0.0

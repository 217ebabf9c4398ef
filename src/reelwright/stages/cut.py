"""Cut: storyboard + measured line audio → a timeline in integer frames and samples.

Shot durations follow the dialogue (the voiced line plus a short lead and
tail), establishing shots dissolve in, the speaker's mouth follows the line's
envelope, and subtitles are timed to the actual audio.
"""

from __future__ import annotations

import re
from fractions import Fraction

from reelwright.documents.storyboard import Storyboard
from reelwright.documents.timeline import AudioClip, Cue, Timeline, TimelineShot
from reelwright.settings import Settings
from reelwright.stages.voice import VoicedLine
from reelwright.timebase import Timebase

__all__ = ["cut_episode", "LEAD", "TAIL", "MIN_CUE"]

LEAD = 4  # frames of picture before a line starts
TAIL = 8  # frames held after it ends
DISSOLVE = 8  # frames of crossfade into a new scene
MIN_CUE = 25  # a subtitle stays at least 5/6 s at 30 fps
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def _natural_frames(shot, fps: int) -> int:
    text = shot.caption or shot.text or ""
    if shot.reason == "establishing":
        return round(1.4 * fps)
    if shot.reason == "reaction":
        return round(0.8 * fps)
    if shot.reason in ("caption", "title"):
        cjk = len(_CJK.findall(text))
        seconds = cjk / 7.0 + (len(text) - cjk) / 15.0
        return round(min(max(seconds, 1.6), 4.0) * fps)
    words = len(text.split()) + len(_CJK.findall(text)) / 2.5
    return round(min(max(words * 0.28, 1.5), 3.5) * fps)


def _split_cues(text: str, start: int, end: int, language: str) -> list[tuple[int, int, str]]:
    from reelwright.media.text import wrap_subtitle  # noqa: PLC0415

    chunks = wrap_subtitle(text, max_cjk=16, max_latin=29, max_lines=2)
    if not chunks:
        return []
    weights = [max(sum(len(line) for line in chunk), 1) for chunk in chunks]
    total = sum(weights)
    out = []
    pos = start
    for i, (chunk, w) in enumerate(zip(chunks, weights)):
        stop = end if i == len(chunks) - 1 else pos + round((end - start) * w / total)
        out.append((pos, stop, "\n".join(chunk)))
        pos = stop
    return out


def cut_episode(board: Storyboard, lines: list[VoicedLine], mouths: dict[int, list[bool]],
                settings: Settings) -> Timeline:
    """Lay the board's shots end to end; ``mouths`` maps a line index to its per-frame open/closed track."""
    fps = settings.video.fps
    tb = Timebase(Fraction(fps), settings.audio.sample_rate)
    by_index = {ln.index: ln for ln in lines}
    pos = 0
    audio_free = 0  # first sample not yet taken by a line: lines never overlap
    shots: list[TimelineShot] = []
    clips: list[AudioClip] = []
    cues: list[Cue] = []
    for n, shot in enumerate(board.shots):
        line = by_index.get(shot.line) if shot.line is not None else None
        mouth_runs: list[int] = []
        if line is not None:
            start_sample = max(tb.frames_to_samples(pos + LEAD), audio_free)
            audio_frames = tb.samples_to_frames(line.samples, ceil=True)
            lead = tb.samples_to_frames(start_sample) - pos
            natural = max(lead + audio_frames + TAIL, round(1.0 * fps))
            clips.append(AudioClip(line=line.index, character=line.character, start=start_sample,
                                   samples=line.samples, key=line.key))
            audio_free = start_sample + line.samples + tb.frames_to_samples(3)
            cue_start = tb.samples_to_frames(start_sample)
            cue_end = cue_start + max(audio_frames, MIN_CUE)
            for s, e, text in _split_cues(line.text, cue_start, cue_end, settings.project.language):
                cues.append(Cue(start=s, end=e, text=text, line=line.index))
            track = mouths.get(line.index, [])
            if shot.speaker and shot.speaker in shot.subjects and track:
                mouth_runs = _runs([False] * lead + list(track))
        else:
            natural = _natural_frames(shot, fps)
        frames = shot.frames or natural
        fade = DISSOLVE if (shot.reason == "establishing" and n > 0 and frames > DISSOLVE * 2) else 0
        if mouth_runs:
            mouth_runs = _clip_runs(mouth_runs, frames)
        shots.append(TimelineShot(shot=shot, start=pos, frames=frames, fade_in=fade, mouth=mouth_runs))
        pos += frames
    cues = _fix_overlaps(cues, pos)
    total_samples = tb.frames_to_samples(pos)
    if clips and clips[-1].start + clips[-1].samples > total_samples:  # an edited-short last shot: hold picture
        extra = tb.samples_to_frames(clips[-1].start + clips[-1].samples - total_samples, ceil=True) + TAIL
        last = shots[-1]
        shots[-1] = last.model_copy(update={"frames": last.frames + extra})
        pos += extra
    return Timeline(episode=board.episode, fps=fps, width=settings.video.width, height=settings.video.height,
                    sample_rate=settings.audio.sample_rate, frames=pos, shots=shots, audio=clips, cues=cues)


def _runs(states: list[bool]) -> list[int]:
    runs: list[int] = []
    current, count = False, 0
    for s in states:
        if s == current:
            count += 1
        else:
            runs.append(count)
            current, count = s, 1
    runs.append(count)
    return runs


def _clip_runs(runs: list[int], frames: int) -> list[int]:
    out, total = [], 0
    for r in runs:
        if total >= frames:
            break
        out.append(min(r, frames - total))
        total += out[-1]
    return out


def _fix_overlaps(cues: list[Cue], end: int) -> list[Cue]:
    fixed: list[Cue] = []
    for i, cue in enumerate(cues):
        stop = min(cue.end, cues[i + 1].start if i + 1 < len(cues) else end, end)
        if stop > cue.start:
            fixed.append(cue.model_copy(update={"end": stop}))
    return fixed

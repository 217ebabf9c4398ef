"""Cut: storyboard + measured line audio → a timeline in integer frames and samples.

The edit follows the board shot for shot and the voiced lines for timing:

* a shot carrying a line lasts the line plus a short lead and tail; a line split
  across two shots (speaker, then listener; or over-the-shoulder, then single)
  cuts at a pause near its middle;
* J-cut: a line is heard a beat before the cut to its speaker when the shot
  before is silent and does not show them (a reaction, a wide, an insert);
  L-cut: a line carries over the listener's reaction (``[board] j_l_cuts``);
* the last line is held on its close-up long enough for the cliffhanger sting;
* new scenes dissolve in; subtitles are timed to the actual audio;
* stings land on the cut, or just after the last word when a line carries over
  it; each scene's music bed runs under its shots and stops dead on the
  cliffhanger sting.
"""

from __future__ import annotations

import re
from fractions import Fraction

from reelwright.documents.storyboard import Shot, Storyboard
from reelwright.documents.timeline import (
    AudioClip,
    Cue,
    MusicCue,
    StingCue,
    Timeline,
    TimelineShot,
)
from reelwright.media.text import is_cjk_text, wrap_subtitle
from reelwright.project.settings import Settings
from reelwright.stages.timing import shot_frames
from reelwright.stages.voice import VoicedLine
from reelwright.timebase import Timebase

__all__ = ["cut_episode", "LEAD", "TAIL", "MIN_CUE"]

LEAD = 4  # frames of picture before a line starts
TAIL = 8  # frames held after it ends
DISSOLVE = 8  # frames of crossfade into a new scene
MIN_CUE = 25  # a subtitle stays at least 5/6 s at 30 fps (the cut uses [targets] subtitle_min_seconds)
_RAIN = re.compile(r"\brain|storm|downpour|drizzl|雨", re.I)


def _split_cues(text: str, start: int, end: int, settings: Settings, min_cue: int = 1) -> list[tuple[int, int, str]]:
    t = settings.targets
    chunks = wrap_subtitle(text, max_cjk=t.subtitle_chars_cjk, max_latin=t.subtitle_chars_latin,
                           max_lines=t.subtitle_lines)
    if not chunks:
        return []
    weights = [max(sum(len(line) for line in chunk), 1) for chunk in chunks]
    total = sum(weights)
    floor = min(min_cue, (end - start) // len(chunks))  # each cue on screen long enough to read, if it fits
    spare = (end - start) - floor * len(chunks)
    out = []
    pos = start
    for i, (chunk, w) in enumerate(zip(chunks, weights)):
        stop = end if i == len(chunks) - 1 else pos + floor + round(spare * w / total)
        out.append((pos, stop, "\n".join(chunk)))
        pos = stop
    return out


def _faces(shot: Shot) -> set[str]:
    """Who shows their face in ``shot`` (an over-the-shoulder's foreground shoulder does not)."""
    if shot.size == "OTS":
        primary = shot.speaker if shot.speaker in shot.subjects else (shot.subjects[0] if shot.subjects else None)
        return {primary} if primary else set()
    if shot.size == "INSERT":
        return set()
    return set(shot.subjects)


def _split_point(track: list[bool], frames: int, fps: int) -> int:
    """Where a line split across two shots cuts: the longest pause between 40% and 70% of it."""
    lo, hi = int(frames * 0.4), int(frames * 0.7)
    best, best_len, run = round(frames * 0.55), 0, 0
    for i in range(lo, min(hi, len(track))):
        run = run + 1 if not track[i] else 0
        if run > best_len:
            best, best_len = i - run // 2, run
    return max(best, round(0.6 * fps))


def cut_episode(board: Storyboard, lines: list[VoicedLine], mouths: dict[int, list[bool]],
                settings: Settings) -> Timeline:
    """Lay the board's shots end to end; ``mouths`` maps a line index to its per-frame open/closed track."""
    fps = settings.video.fps
    rules = settings.board
    tb = Timebase(Fraction(fps), settings.audio.sample_rate)
    by_index = {ln.index: ln for ln in lines}
    j_frames = round(0.2 * fps) if rules.j_l_cuts else 0
    min_cue = max(1, round(settings.targets.subtitle_min_seconds * fps))
    pos = 0
    audio_free = 0  # first sample not yet taken by a line: lines never overlap
    audio_end = 0  # frame where the last placed line's audio ends
    placed: dict[int, tuple[int, int]] = {}  # line → (first frame, end frame) of its audio
    shots: list[TimelineShot] = []
    clips: list[AudioClip] = []
    cues: list[Cue] = []
    stings: list[StingCue] = []
    src = board.shots
    for n, shot in enumerate(src):
        prev = src[n - 1] if n else None
        nxt = src[n + 1] if n + 1 < len(src) else None
        line = by_index.get(shot.line) if shot.line is not None else None
        cont = line is not None and line.index in placed and prev is not None and prev.line == shot.line
        mouth_runs: list[int] = []
        j_cut = l_cut = 0
        sting_at = pos
        if line is not None and not cont:
            # J-cut (a pre-lap): the voice starts over a silent shot that does not show the speaker
            heard_early = (prev is not None and prev.line is None and shot.speaker in _faces(shot)
                           and shot.speaker not in _faces(prev) and shot.frames is None)
            want = pos - j_frames if heard_early else pos + LEAD
            start_sample = max(tb.frames_to_samples(max(want, 0)), audio_free)
            start = tb.samples_to_frames(start_sample)
            audio_frames = tb.samples_to_frames(line.samples, ceil=True)
            lead = start - pos
            end = start + audio_frames
            placed[line.index] = (start, end)
            audio_end = max(audio_end, end)
            clips.append(AudioClip(line=line.index, character=line.character, start=start_sample,
                                   samples=line.samples, key=line.key))
            audio_free = start_sample + line.samples + tb.frames_to_samples(3)
            for s, e, text in _split_cues(line.shown, start, start + max(audio_frames, min_cue), settings, min_cue):
                cues.append(Cue(start=s, end=e, text=text, line=line.index))
            track = list(mouths.get(line.index, []))
            if nxt is not None and nxt.line == shot.line:  # split: cut at a pause near the middle
                natural = max(lead + _split_point(track, audio_frames, fps), round(0.8 * fps))
            elif rules.j_l_cuts and nxt is not None and nxt.reason == "reaction" and not (
                    _faces(nxt) & {shot.speaker}):  # L-cut: the line's last words over the reaction
                natural = max(end - pos - min(round(0.4 * fps), audio_frames // 3), round(1.0 * fps))
            else:
                natural = max(end - pos + TAIL, round(1.0 * fps))
            if shot.speaker and shot.speaker in _faces(shot) and track:
                states = [False] * lead + track if lead >= 0 else track[-lead:]
                mouth_runs = runs_of(states)
            j_cut = max(-lead, 0)
            sting_at = end if shot.sting == "cliffhanger" else min(pos, start) if lead < 0 else pos
        elif cont:
            start, end = placed[line.index]
            l_cut = max(end - pos, 0)
            natural = max(end - pos + TAIL, round(0.8 * fps))
            track = list(mouths.get(line.index, []))
            if shot.speaker and shot.speaker in _faces(shot) and track:
                mouth_runs = runs_of(track[pos - start:])
            sting_at = end if l_cut else pos
        else:
            natural = shot_frames(shot, fps)
            if audio_end > pos:  # a line carries over into this shot (L-cut)
                l_cut = audio_end - pos
                natural += l_cut
                sting_at = audio_end
        frames = shot.frames or natural
        fade = DISSOLVE if (shot.reason == "establishing" and prev is not None and prev.scene != shot.scene
                            and frames > DISSOLVE * 2) else 0
        if mouth_runs:
            mouth_runs = _clip_runs(mouth_runs, frames)
        if shot.sting and settings.sound.stings:
            stings.append(StingCue(frame=max(0, min(sting_at, pos + frames - 1)), kind=shot.sting, shot=shot.id,
                                   file=settings.sound.cliffhanger_file if shot.sting == "cliffhanger"
                                   else settings.sound.sting_file))
        shots.append(TimelineShot(shot=shot, start=pos, frames=frames, fade_in=fade, mouth=mouth_runs,
                                  j_cut=j_cut, l_cut=l_cut))
        pos += frames
    if shots:  # hold the last picture until the last line (and the cliffhanger sting) has rung out
        hold = round(1.2 * fps) if any(s.kind == "cliffhanger" for s in stings) else TAIL
        need = max(audio_end + hold, max((s.frame for s in stings), default=0) + hold)
        if clips and clips[-1].start + clips[-1].samples > tb.frames_to_samples(pos):
            need = max(need, tb.samples_to_frames(clips[-1].start + clips[-1].samples, ceil=True) + TAIL)
        if pos < need:
            last = shots[-1]
            shots[-1] = last.model_copy(update={"frames": last.frames + need - pos})
            pos = need
    cues = _fix_overlaps(_linger(cues, placed, shots, settings, fps), pos)
    return Timeline(episode=board.episode, fps=fps, width=settings.video.width, height=settings.video.height,
                    sample_rate=settings.audio.sample_rate, frames=pos, shots=shots, audio=clips, cues=cues,
                    music=_music(board, shots, settings) if settings.sound.music or settings.sound.ambience
                    else [], stings=stings)


def _music(board: Storyboard, shots: list[TimelineShot], settings: Settings) -> list[MusicCue]:
    """A bed per run of shots in one scene (the hook flash has none; the mix stops it on the cliffhanger)."""
    moods = {s.scene: s for s in board.scenes}
    rain = {s.scene for s in board.shots if _RAIN.search(s.text or "")}
    out: list[MusicCue] = []
    for ts in shots:
        shot = ts.shot
        if shot.reason == "hook":
            continue
        if out and out[-1].scene == shot.scene and out[-1].end == ts.start:
            out[-1] = out[-1].model_copy(update={"end": ts.start + ts.frames})
            continue
        sound = moods.get(shot.scene)
        file = sound.music if sound is not None and sound.music else None
        mood = sound.mood if sound is not None else "calm"
        file = file or settings.sound.moods.get(mood)
        ambience = "rain" if shot.scene in rain else ("room" if shot.interior else "street")
        out.append(MusicCue(scene=shot.scene, start=ts.start, end=ts.start + ts.frames, mood=mood, file=file,
                            ambience=ambience if settings.sound.ambience else "none"))
    return out


def _linger(cues: list[Cue], placed: dict[int, tuple[int, int]], shots: list[TimelineShot], settings: Settings,
            fps: int) -> list[Cue]:
    """A line's last subtitle stays up after the words (up to a second, within the shot the words end in)
    when the reading speed needs it."""
    t = settings.targets
    ends = [ts.start + ts.frames for ts in shots]
    last_of = {c.line: i for i, c in enumerate(cues)}
    out = list(cues)
    for line, i in last_of.items():
        if line not in placed:
            continue
        cue = out[i]
        text = cue.text.replace("\n", "")
        cps = t.reading_cps_cjk if is_cjk_text(text) else t.reading_cps_latin
        need = cue.start + -(-len(text) * fps // max(int(cps), 1))
        if need <= cue.end:
            continue
        audio_end = placed[line][1]
        shot_end = next((e for e in ends if e >= audio_end), cue.end)
        out[i] = cue.model_copy(update={"end": max(cue.end, min(need, shot_end, audio_end + fps))})
    return out


def runs_of(states: list[bool]) -> list[int]:
    """Run lengths of a per-frame mouth track, starting closed: [closed, open, closed, …]."""
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

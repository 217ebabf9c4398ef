"""Dubbing: translated lines re-voiced, fitted to the original timing, mixed over the M&E stem.

Each character speaks with the voice the glossary's dub cast gives them in that
language (chosen once, the same in every episode). Each line is time-stretched
(pitch kept) to its original length when that is within ``[delivery] stretch``
(±15%); beyond, it is stretched by the limit, and if it then runs into the next
line the picture is extended at that point: the shot holds a little longer and
everything after moves (the music-and-effects stem repeats the moment before the
point, crossfaded). The dubbed dialogue sits at the original dialogue's level
over the episode's M&E stem and the sum is brought to the loudness target.

Every voiced line, every fitted line, the mix and the picture segments are
cached, so a second run, or a run after one line changed, redoes only that.
Written to ``build/localise/<lang>/``: ``epNNN.dub.mp4`` (clean picture with the
on-screen text in the language), ``epNNN.dub.srt/.ass/.vtt`` (timed to the dub),
``epNNN.dub.dialogue.wav`` and ``epNNN.dub.me.wav`` (the stems at mix level).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from reelwright.build.pipeline import CODEC_HEADROOM_DB
from reelwright.documents.base import atomic_write_bytes
from reelwright.documents.bible import Voice
from reelwright.documents.glossary import Glossary
from reelwright.documents.timeline import Timeline
from reelwright.export.media import (
    EpisodeMedia,
    episode_stems,
    render_specs,
    text_specs,
)
from reelwright.localise.tracks import build_cues, subtitle_rules, write_track
from reelwright.media.audio import (
    Audio,
    loudness,
    mix,
    mouth_track,
    normalize,
    read_wav,
    resample,
    write_wav,
)
from reelwright.media.frames import expand_runs
from reelwright.media.stems import fit_length, follow_gain, reduck, speech_over_bed_db
from reelwright.media.stretch import insert_hold, time_stretch
from reelwright.media.video import assemble
from reelwright.project.cache import Cache, make_key
from reelwright.project.folder import Project
from reelwright.stages.cut import runs_of
from reelwright.stages.voice import SpeechProviders, line_request
from reelwright.timebase import Timebase

__all__ = ["dub_episode", "dub_mouths", "insert_frames", "DUB_VERSION"]

DUB_VERSION = 1
_GAP_FRAMES = 3  # silence kept between two lines (as the cut keeps)
_TAIL_FRAMES = 8  # picture held after the last line


def _runs_insert(runs: list[int], at: int, n: int) -> list[int]:
    """Mouth run lengths (closed first) with ``n`` closed frames inserted at frame ``at``."""

    states = expand_runs(runs, sum(runs)).tolist()
    if not states:
        return runs
    at = min(max(at, 0), len(states))
    states[at:at] = [False] * n
    return runs_of(states)


def insert_frames(timeline: Timeline, frame: int, n: int) -> Timeline:
    """``timeline`` with ``n`` frames inserted at ``frame``: the shot running there holds longer and
    everything from ``frame`` on moves later."""
    if n <= 0:
        return timeline
    tb = Timebase(Fraction(timeline.fps), timeline.sample_rate)
    at_sample = tb.frames_to_samples(frame)
    shift = tb.frames_to_samples(frame + n) - at_sample
    shots = []
    for ts in timeline.shots:
        end = ts.start + ts.frames
        if ts.start < frame <= end:
            mouth = _runs_insert(ts.mouth, frame - ts.start, n) if ts.mouth else ts.mouth
            shots.append(ts.model_copy(update={"frames": ts.frames + n, "mouth": mouth}))
        elif ts.start >= frame:
            shots.append(ts.model_copy(update={"start": ts.start + n}))
        else:
            shots.append(ts)
    audio = [c.model_copy(update={"start": c.start + shift}) if c.start >= at_sample else c for c in timeline.audio]

    def span(x):
        if x.start >= frame:
            return x.model_copy(update={"start": x.start + n, "end": x.end + n})
        if x.end > frame:
            return x.model_copy(update={"end": x.end + n})
        return x

    stings = [s.model_copy(update={"frame": s.frame + n}) if s.frame >= frame else s for s in timeline.stings]
    return timeline.model_copy(update={"shots": shots, "audio": audio, "cues": [span(c) for c in timeline.cues],
                                       "music": [span(m) for m in timeline.music], "stings": stings,
                                       "frames": timeline.frames + n})


def _shifted(timeline: Timeline, inserts: list[tuple[int, int]]) -> Timeline:
    """The original timeline with the dub's picture extensions applied (its lines where they now fall)."""
    for frame, n in inserts:
        timeline = insert_frames(timeline, frame, n)
    return timeline


def dub_mouths(tl: Timeline, tracks: dict[int, list[bool]]) -> Timeline:
    """``tl`` with each speaking shot's lip movement taken from the dubbed line (``tracks``: line index → the
    fitted dub audio's per-frame mouth track); shots showing no speaking face stay closed as before."""

    starts = {c.line: round(c.start * tl.fps / tl.sample_rate) for c in tl.audio}
    shots = []
    for ts in tl.shots:
        line = ts.shot.line
        if ts.mouth and line in tracks and line in starts:
            track, first = tracks[line], starts[line]
            states = [bool(0 <= f - first < len(track) and track[f - first])
                      for f in range(ts.start, ts.start + ts.frames)]
            ts = ts.model_copy(update={"mouth": runs_of(states) if any(states) else []})
        shots.append(ts)
    return tl.model_copy(update={"shots": shots})


def _voice(project: Project, glossary: Glossary, language: str, character: str) -> Voice:
    cast = glossary.voices.get(language, {})
    if character in cast:
        return cast[character]
    c = project.bible.character(character)
    return cast.get(c.name, Voice()) if c is not None else Voice()


def _speak(project: Project, providers, cache: Cache, text: str, voice: Voice, language: str, tag: str):
    """The voiced line (cached like the voice stage's lines): (path, key)."""

    name, request = line_request(text, voice, project.settings, language)
    provider = providers.get(name)
    key = make_key("voice", {"request": request, "provider": provider.identity()})
    path = cache.path("voice", key, ".wav")
    if not path.is_file():
        extra = {k: request[k] for k in ("dialect", "instructions") if request.get(k)}  # only when set
        audio = provider.synthesize(text, language=language, voice=voice.voice, pitch=voice.pitch, rate=voice.rate,
                                    **extra)
        if audio.sample_rate != request["sample_rate"]:
            audio = Audio(resample(audio.samples, audio.sample_rate, request["sample_rate"]), request["sample_rate"])
        write_wav(path, audio)  # atomic: a temp file renamed into place
        cache.write_json("voice", key, {"samples": int(len(audio.samples)), "sample_rate": audio.sample_rate})
        cache.did("dub-voice")
        cache.record(tag, "voice", key, [str(path)], provider=f"speech:{name}", inputs={"text": text})
    return path, key


def _fitted(cache: Cache, voice_path: Path, voice_key: str, length: int, sr: int) -> tuple[Path, str]:
    key = make_key("dub-fit", {"voice": voice_key, "length": length, "version": DUB_VERSION})
    path = cache.path("dub", key, ".wav")
    if not path.is_file():
        audio = read_wav(voice_path)
        samples = audio.samples if audio.samples.ndim == 1 else audio.samples.mean(axis=1)
        y = samples if len(samples) == length else time_stretch(samples, length, sr)
        write_wav(path, Audio(y, sr))  # atomic: a temp file renamed into place
        cache.did("dub-fit")
    return path, key


@dataclass
class DubResult:
    """A dubbed version of one episode: the MP4, its stems and subtitles, and how the dub was fitted."""

    path: Path
    files: list[Path]
    written: bool  # False: every file was already up to date
    language: str
    duration: float  # seconds
    original_duration: float
    extended_frames: int  # picture held longer where a dubbed line ran over its window
    stretched_lines: int
    lines: int
    speech_over_bed_db: float | None  # the quietest line's level over the music-and-effects bed
    timeline: Timeline


def dub_episode(project: Project, media: EpisodeMedia, track, glossary: Glossary, cache: Cache, folder: Path, *,
                workers: int | None = None, quiet: bool = True) -> DubResult:
    """Dub a built episode (its :class:`~reelwright.export.media.EpisodeMedia`) into ``track.language`` (a
    translated :class:`~reelwright.localise.tracks.Track`)."""

    lang = track.language
    number = media.number
    tag = f"ep{number:03d}"
    original = media.timeline
    sr, fps = original.sample_rate, original.fps
    tb = Timebase(Fraction(fps), sr)
    stretch = project.settings.delivery.stretch
    providers = SpeechProviders(project.settings)
    tl = original
    inserts: list[tuple[int, int]] = []  # (frame, frames) in the dub's time
    fits: dict[int, tuple[Path, str, int]] = {}
    stretched = 0
    order = sorted(range(len(original.audio)), key=lambda i: original.audio[i].start)
    for pos, i in enumerate(order):
        clip = tl.audio[i]
        text = track.lines.get(clip.line, "")
        if not text.strip():
            continue
        vpath, vkey = _speak(project, providers, cache, text, _voice(project, glossary, lang, clip.character), lang,
                             f"dub/{lang}/{tag}/line{clip.line:03d}")
        n = int(cache.read_json("voice", vkey)["samples"])
        length = fit_length(n, clip.samples, stretch)
        stretched += length != n
        if pos + 1 < len(order):
            room = tl.audio[order[pos + 1]].start - clip.start - tb.frames_to_samples(_GAP_FRAMES)
        else:
            room = tb.frames_to_samples(tl.frames - _TAIL_FRAMES) - clip.start
        if length > room:  # hold the picture where the next line would have started
            extra = math.ceil((length - room) * fps / sr)
            at = tb.samples_to_frames(clip.start + max(room, clip.samples))
            at = max(at, tb.samples_to_frames(clip.start, ceil=True) + 1)
            tl = insert_frames(tl, at, extra)
            inserts.append((at, extra))
        fpath, fkey = _fitted(cache, vpath, vkey, length, sr)
        fits[i] = (fpath, fkey, length)
        audio = list(tl.audio)
        audio[i] = clip.model_copy(update={"samples": length, "key": fkey})
        tl = tl.model_copy(update={"audio": audio})
    # ---- sound
    total = tb.frames_to_samples(tl.frames)
    mix_entry = cache.lock.artifacts[f"{tag}/mix"]
    s = project.settings.audio
    mix_key = make_key("dub-mix", {"clips": [(c.start, c.key) for c in tl.audio], "inserts": inserts,
                                   "mix": mix_entry.key, "loudness": s.loudness, "true_peak": s.true_peak,
                                   "version": DUB_VERSION})
    dub_mix = cache.path("dub", mix_key, ".mix.wav")
    dub_me = cache.path("dub", mix_key, ".me.wav")
    dub_dialogue = cache.path("dub", mix_key, ".dialogue.wav")
    if not (dub_mix.is_file() and dub_me.is_file() and dub_dialogue.is_file()):
        orig_total = tb.frames_to_samples(original.frames)

        orig_dialogue, me = episode_stems(media, orig_total, sr)  # the original dialogue as it sits in the mix
        orig_level = loudness(orig_dialogue, sr) if original.audio else float("-inf")
        for frame, extra in inserts:  # the stem held at the same points as the picture
            me = insert_hold(me, tb.frames_to_samples(frame), tb.frames_to_samples(frame + extra)
                             - tb.frames_to_samples(frame), sr)
        me = np.pad(me, ((0, max(total - len(me), 0)), (0, 0)))[:total]
        if media.me is not None:  # duck the bed under dubbed speech that runs past the original lines
            old_speech = [(c.start, c.start + c.samples) for c in _shifted(original, inserts).audio]
            me = reduck(me, sr, old_speech, [(c.start, c.start + c.samples) for c in tl.audio],
                        project.settings.sound.duck_db)
        paths = {i: fits[i][0] for i in fits}
        dub_d = mix([(tl.audio[i].start, read_wav(p).samples, 1.0) for i, p in paths.items()], total, 2)
        level = loudness(dub_d, sr) if paths else float("-inf")
        if np.isfinite(level) and np.isfinite(orig_level):
            dub_d *= np.float32(10 ** ((orig_level - level) / 20))
        both = dub_d + me
        measured = loudness(both, sr) if np.any(both) else float("-inf")
        final = normalize(both, sr, s.loudness, s.true_peak - CODEC_HEADROOM_DB) if np.isfinite(measured) else both
        me = me * follow_gain(final, both, sr)[:, None]  # the bed as it sits in the mix, limiter included
        for path, data in ((dub_mix, final), (dub_me, me), (dub_dialogue, final - me)):
            write_wav(path, Audio(data, sr))  # atomic: a temp file renamed into place
        cache.did("dub-mix")
    # ---- picture and files: the lips follow the dubbed lines

    tracks = {}
    for i, (fpath, fkey, _) in fits.items():
        mkey = make_key("mouth", {"voice": fkey, "fps": fps})
        found = cache.read_json("mouth", mkey)
        if found is None:
            found = [bool(x) for x in mouth_track(read_wav(fpath).samples, sr, fps)]
            cache.write_json("mouth", mkey, found)
        tracks[tl.audio[i].line] = found
    tl = dub_mouths(tl, tracks)
    captions = {ts.shot.id: track.captions.get(ts.shot.id) for ts in tl.shots}
    segments = render_specs(text_specs(project, tl, None, captions), cache, f"{tag}/dub-{lang}/",
                            workers=workers, project=project, quiet=quiet)
    out = folder / f"{tag}.dub.mp4"
    key = make_key("dub-video", {"segments": [p.stem for p in segments], "mix": mix_key})
    entry = cache.lock.artifacts.get(f"localise/{lang}/{tag}/dub")
    written = entry is None or entry.key != key or not out.is_file()
    if written:
        assemble(out, segments, read_wav(dub_mix).samples, sr,
                 metadata={"title": f"{project.settings.project.title} — {tag} ({lang})", "language": lang})
        for src, name in ((dub_dialogue, f"{tag}.dub.dialogue.wav"), (dub_me, f"{tag}.dub.me.wav")):
            atomic_write_bytes(folder / name, src.read_bytes())
        cache.did("dub-assemble")
    cache.record(f"localise/{lang}/{tag}/dub", "dub", key, [str(out)])
    rules = subtitle_rules(project, fps)
    cues = build_cues(tl, track.lines, track.captions, rules)
    dub_track = type(track)(number, lang, track.source_language, cues, track.lines, track.captions, track.title)
    sub_written, sub_kept = write_track(dub_track, folder, tl, suffix=".dub")
    windows = [(c.start, c.start + c.samples) for c in tl.audio if c.key in {f[1] for f in fits.values()}]
    ratio = speech_over_bed_db(read_wav(dub_mix).samples, read_wav(dub_me).samples, windows)
    files = [out, folder / f"{tag}.dub.dialogue.wav", folder / f"{tag}.dub.me.wav", *sub_written, *sub_kept]
    return DubResult(out, files, written, lang, tl.frames / fps, original.frames / fps, sum(n for _, n in inserts),
                     stretched, len(fits), round(min(ratio), 1) if ratio else None, tl)

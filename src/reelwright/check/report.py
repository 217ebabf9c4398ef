"""``reelwright check``: built episodes against the delivery rules and the craft of the edit.

Per episode, every item names what it measured, what was expected, where (the
shot, the line or the second) and the setting that governs it.

Hard rules (exit 1): the file exists and decodes; H.264 High yuv420p at the
project size and frame rate; AAC at the project sample rate; duration equal to
the timeline; loudness within ±1 LU of the target, true peak under the ceiling;
subtitle lines within the length and line limits, cues never overlapping;
subtitles and captions inside the 9:16 safe zone; a close-up in the last
``targets.cliffhanger_seconds`` (when ``board.cliffhanger`` is on).

Soft rules (reported as warnings): duration against the targets, the hook
(first cut, first line), seconds between turns, a sting at the end, the
close-up share and average shot length, the 180° rule, reading speed, time on
screen, the music ducking under speech, faces inside the safe zone.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from reelwright.documents.base import load_document
from reelwright.documents.storyboard import CLOSE_SIZES
from reelwright.documents.timeline import Timeline
from reelwright.media.audio import loudness, read_wav, true_peak_dbtp
from reelwright.media.avatar import AVATAAARS_FEATURE_BOX
from reelwright.media.compose import layout_shot
from reelwright.media.frames import Camera
from reelwright.media.text import is_cjk_text, render_text_layer
from reelwright.media.video import decode_audio, probe
from reelwright.project.folder import Project, episode_outputs, parse_episode_spec
from reelwright.render.shots import CAPTION_TOP, SUBTITLE_BOTTOM
from reelwright.media.text import missing_glyphs

__all__ = ["CheckItem", "CheckResult", "check_project", "check_episode", "check_timeline", "format_table", "format_brief", "decode_audio",
           "subtitle_limit", "text_boxes", "face_boxes"]

_FACE_CLOSE = ("ECU", "CU", "MCU")


def subtitle_limit(line: str, cjk: int = 16, latin: int = 29) -> int:
    return cjk if is_cjk_text(line) else latin


class CheckItem(BaseModel):
    """One rule applied to one episode: what was measured, what was expected, where, and the setting to change."""

    check: str
    ok: bool
    value: Any = None
    expected: Any = None
    hard: bool = True
    where: str = ""
    setting: str = ""


class CheckResult(BaseModel):
    """The self-check of one episode: ``ok`` when no hard rule failed; ``summary`` holds the craft measures."""

    episode: int
    ok: bool
    duration: float | None = None
    summary: dict[str, Any] = Field(default_factory=dict)
    items: list[CheckItem] = Field(default_factory=list)

    @property
    def failures(self) -> list[CheckItem]:
        return [i for i in self.items if not i.ok and i.hard]

    @property
    def warnings(self) -> list[CheckItem]:
        return [i for i in self.items if not i.ok and not i.hard]


class _Items:
    def __init__(self) -> None:
        self.items: list[dict] = []

    def __call__(self, name: str, ok: bool, value, expected, hard: bool = True, where: str = "",
                 setting: str = "") -> None:
        self.items.append({"check": name, "ok": bool(ok), "value": value, "expected": expected, "hard": hard,
                           "where": where, "setting": setting})


def _sec(frames: int, fps: int) -> float:
    return round(frames / fps, 2)


# ---- the 9:16 safe zone ---------------------------------------------------------------------------

def _zone(project: Project, width: int, height: int) -> tuple[float, float, float, float]:
    t = project.settings.targets
    return (t.safe_sides * width, t.safe_top * height, (1 - t.safe_sides) * width, (1 - t.safe_bottom) * height)


def text_boxes(timeline: Timeline) -> list[tuple[str, str, tuple[float, float, float, float]]]:
    """(kind, text, ink box in frame pixels) of every subtitle cue and caption, placed as the renderer does."""

    W, H = timeline.width, timeline.height
    out = []

    def ink(layer: np.ndarray, x: float, y: float) -> tuple[float, float, float, float] | None:
        alpha = layer[..., 3] > 8
        if not alpha.any():
            return None
        rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
        return (x + cols[0], y + rows[0], x + cols[-1] + 1, y + rows[-1] + 1)

    for cue in timeline.cues:
        layer = render_text_layer(cue.text.split("\n"), W, round(H * 0.034), style="subtitle")
        box = ink(layer, (W - layer.shape[1]) / 2, round(H * SUBTITLE_BOTTOM) - layer.shape[0])
        if box:
            out.append(("subtitle", cue.text, box))
    for ts in timeline.shots:
        if ts.shot.caption and ts.shot.size != "INSERT":
            layer = render_text_layer([ts.shot.caption], W, round(H * 0.032), style="caption")
            box = ink(layer, (W - layer.shape[1]) / 2, round(H * CAPTION_TOP))
            if box:
                out.append(("caption", ts.shot.id, box))
    return out


def face_boxes(timeline: Timeline) -> list[tuple[str, str, tuple[float, float, float, float]]]:
    """(shot id, character, box in frame pixels) of each face's eyes-to-mouth, over the whole camera move."""

    W, H = timeline.width, timeline.height
    out = []
    for ts in timeline.shots:
        shot = ts.shot
        camera = Camera(str(getattr(shot.move, "value", shot.move)), W, H)
        SW, SH = camera.still_size()
        theta = 0.0
        if shot.angle == "dutch":
            theta = math.radians(9.0 if int(hashlib.sha256(shot.id.encode()).hexdigest(), 16) % 2 else -9.0)
        for p in layout_shot(shot, SW, SH):
            k = p.scale / 280.0
            x0, y0, x1, y1 = AVATAAARS_FEATURE_BOX
            corners = [(p.cx + (x - 140.0) * k, p.cy + (y - 111.0) * k) for x in (x0, x1) for y in (y0, y1)]
            if theta:
                c, s = math.cos(theta), math.sin(theta)
                corners = [(SW / 2 + (x - SW / 2) * c + (y - SH / 2) * s, SH / 2 - (x - SW / 2) * s
                            + (y - SH / 2) * c) for x, y in corners]
            pts = []
            for t in ((0.0, 1.0) if shot.move != "static" else (0.0,)):
                m = camera.matrix(t, 0)
                if m is None:
                    dx, dy = (SW - W) / 2, (SH - H) / 2
                    pts += [(x - dx, y - dy) for x, y in corners]
                else:
                    pts += [(m[0, 0] * x + m[0, 2], m[1, 1] * y + m[1, 2]) for x, y in corners]
            xs, ys = [q[0] for q in pts], [q[1] for q in pts]
            out.append((shot.id, p.name, (min(xs), min(ys), max(xs), max(ys))))
    return out


# ---- the checks ---------------------------------------------------------------------------------

def _turn_times(timeline: Timeline) -> list[int]:
    turns = {s.frame for s in timeline.stings}
    turns |= {ts.start for ts in timeline.shots if ts.shot.reason == "reaction"}
    return sorted(turns)


def _ducking_db(me: np.ndarray, rate: int, timeline: Timeline) -> float | None:
    """How far the M&E stem sits under speech compared with the gaps between lines (median of 50 ms RMS)."""
    hop = rate // 20
    n = len(me) // hop
    if n < 4 or not timeline.audio:
        return None
    rms = np.sqrt(np.mean(np.square(me[:n * hop].reshape(n, hop, -1)), axis=(1, 2)) + 1e-12)
    speech = np.zeros(n, bool)
    near = np.zeros(n, bool)
    for c in timeline.audio:
        a, b = c.start // hop, (c.start + c.samples) // hop
        speech[a + 2:b - 2] = True
        near[max(a - 10, 0):b + 10] = True
    gaps = ~near
    if speech.sum() < 4 or gaps.sum() < 4:
        return None
    return float(20 * np.log10(np.median(rms[gaps]) / np.median(rms[speech])))


def check_timeline(project: Project, timeline: Timeline, items: _Items) -> dict:
    """The edit's craft items (no media needed); returns the measured summary."""
    s = project.settings
    t, rules = s.targets, s.board
    fps = timeline.fps
    total = timeline.frames
    shots = timeline.shots
    duration = total / fps
    summary: dict = {"duration": round(duration, 2), "shots": len(shots)}
    target = getattr(getattr(s, "writing", None), "target_seconds", None)
    if target:
        summary["target"] = target
    items("episode length", t.episode_min_seconds <= duration <= t.episode_max_seconds, round(duration, 2),
          f"{t.episode_min_seconds:g}-{t.episode_max_seconds:g} s" + (f" (planned {target} s)" if target else ""),
          hard=False, setting="targets.episode_min_seconds/episode_max_seconds")
    first_line = timeline.audio[0].start / timeline.sample_rate if timeline.audio else None
    if shots:
        first = shots[0]
        cut = shots[1].start if len(shots) > 1 else total
        summary["first_cut"] = _sec(cut, fps)
        slow_wide = first.shot.reason == "establishing"
        hooked = cut / fps <= t.hook_seconds or (first_line is not None and first_line <= t.hook_seconds
                                                  and first.shot.size in _FACE_CLOSE)
        items("hook", hooked and not slow_wide, f"cut at {_sec(cut, fps)} s",
              f"a cut or a close-up line within {t.hook_seconds:g} s, not an establishing wide", hard=False,
              where=f"shot {first.shot.id} ({first.shot.size} {first.shot.reason})",
              setting="targets.hook_seconds, board.hook")
    if first_line is not None:
        summary["first_line"] = round(first_line, 2)
        items("first line", first_line <= t.first_line_seconds, round(first_line, 2),
              f"<= {t.first_line_seconds:g} s", hard=False, where=f"line {timeline.audio[0].line}",
              setting="targets.first_line_seconds")
    turns = _turn_times(timeline)
    marks = [0, *turns, total]
    gaps = [(b - a, a, b) for a, b in zip(marks, marks[1:])][:-1] if turns else [(total, 0, total)]
    summary["turns"] = [_sec(f, fps) for f in turns]
    if gaps:
        longest, a, b = max(gaps)
        summary["turn_gap"] = _sec(longest, fps)
        items("seconds between turns", longest / fps <= t.turn_seconds, _sec(longest, fps),
              f"<= {t.turn_seconds:g} s", hard=False, where=f"{_sec(a, fps)}-{_sec(b, fps)} s",
              setting="targets.turn_seconds, board.reactions")
    end_from = total - round(t.cliffhanger_seconds * fps)
    tail = [ts for ts in shots if ts.start + ts.frames > end_from]
    close_tail = [ts for ts in tail if ts.shot.size in _FACE_CLOSE]
    last = shots[-1].shot.id if shots else "-"
    items("cliffhanger close-up", bool(close_tail), close_tail[-1].shot.id if close_tail else "none",
          f"a close-up in the last {t.cliffhanger_seconds:g} s", hard=rules.cliffhanger,
          where=f"last shots {', '.join(ts.shot.id + ' ' + ts.shot.size for ts in tail[-3:])}",
          setting="board.cliffhanger")
    end_stings = [x for x in timeline.stings if x.frame >= end_from]
    items("cliffhanger sting", bool(end_stings), end_stings[-1].kind if end_stings else "none",
          f"a sting in the last {t.cliffhanger_seconds:g} s", hard=False, where=f"shot {last}",
          setting="sound.stings, board.cliffhanger")
    sizes: dict[str, int] = {}
    for ts in shots:
        sizes[ts.shot.size] = sizes.get(ts.shot.size, 0) + 1
    share = sum(v for k, v in sizes.items() if k in CLOSE_SIZES) / len(shots) if shots else 0.0
    asl = duration / len(shots) if shots else 0.0
    summary.update({"sizes": sizes, "close_up_share": round(share, 2), "asl": round(asl, 2)})
    items("close-up share", rules.close_up_min - 1e-9 <= share <= rules.close_up_max + 1e-9, round(share, 2),
          f"{rules.close_up_min:g}-{rules.close_up_max:g}", hard=False,
          where=" ".join(f"{k}:{v}" for k, v in sorted(sizes.items())), setting="board.close_up_min/close_up_max")
    longest = max(shots, key=lambda ts: ts.frames) if shots else None
    items("average shot length", rules.asl_min <= asl <= rules.asl_max, round(asl, 2),
          f"{rules.asl_min:g}-{rules.asl_max:g} s", hard=False,
          where=f"longest {longest.shot.id} {_sec(longest.frames, fps)} s" if longest else "",
          setting="board.asl_min/asl_max, board.split_long_lines")
    _check_sides(timeline, items, rules.screen_direction)
    _check_subtitles(project, timeline, items, summary)
    return summary


def _check_sides(timeline: Timeline, items: _Items, enabled: bool) -> None:
    seen: dict[tuple[int, str], str] = {}
    crossed: set[int] = set()
    bad = []
    for ts in timeline.shots:
        shot = ts.shot
        if shot.reason == "hook":
            continue
        if shot.cross:
            crossed.add(shot.scene)
            seen = {k: v for k, v in seen.items() if k[0] != shot.scene}
        for name, side in shot.sides.items():
            if side == "center":
                continue
            was = seen.setdefault((shot.scene, name), side)
            if was != side:
                bad.append(f"{shot.id}: {name} {was}→{side}")
                seen[(shot.scene, name)] = side
    if enabled:
        items("180° rule", not bad, len(bad), "no side changes without cross: true", hard=False,
              where="; ".join(bad[:4]), setting="board.screen_direction")


def _check_subtitles(project: Project, timeline: Timeline, items: _Items, summary: dict) -> None:
    t = project.settings.targets
    fps = timeline.fps
    problems = {"length": [], "lines": [], "speed": [], "short": [], "overlap": [], "glyphs": []}
    max_chars = 0
    max_cps = 0.0
    for i, cue in enumerate(timeline.cues):
        lines = cue.text.split("\n")
        where = f"line {cue.line} at {cue.start / fps:.2f}s: {cue.text.replace(chr(10), ' / ')!r}"
        limit = max(subtitle_limit(ln, t.subtitle_chars_cjk, t.subtitle_chars_latin) for ln in lines)
        chars = max(len(ln) for ln in lines)
        max_chars = max(max_chars, chars)
        if chars > limit:
            problems["length"].append((where, f"{chars} > {limit}"))
        if len(lines) > t.subtitle_lines:
            problems["lines"].append((where, f"{len(lines)} lines"))
        seconds = max(cue.end - cue.start, 1) / fps
        text = cue.text.replace("\n", "")
        cps = len(text) / seconds
        cps_limit = t.reading_cps_cjk if is_cjk_text(text) else t.reading_cps_latin
        max_cps = max(max_cps, cps)
        if cps > cps_limit:
            problems["speed"].append((where, f"{cps:.1f} > {cps_limit:g} chars/s"))
        if seconds < t.subtitle_min_seconds - 0.5 / fps and i + 1 < len(timeline.cues):
            problems["short"].append((where, f"{seconds:.2f} s"))
        if missing := missing_glyphs(cue.text):
            problems["glyphs"].append((where, "no glyph for " + " ".join(f"{c} (U+{ord(c):04X})" for c in missing[:8])))
        if i and cue.start < timeline.cues[i - 1].end:
            problems["overlap"].append((where, f"starts {(timeline.cues[i - 1].end - cue.start) / fps:.2f} s early"))
    summary.update({"cues": len(timeline.cues), "max_chars_per_line": max_chars, "max_chars_per_second":
                    round(max_cps, 1)})
    for key, name, expected, hard, setting in (
            ("length", "subtitle chars per line", f"<= {t.subtitle_chars_cjk} CJK / {t.subtitle_chars_latin} Latin",
             True, "targets.subtitle_chars_cjk/subtitle_chars_latin"),
            ("lines", "subtitle lines", f"<= {t.subtitle_lines}", True, "targets.subtitle_lines"),
            ("glyphs", "subtitle glyphs", "every character drawn by the subtitle font", True, ""),
            ("overlap", "subtitle overlap", "none", True, "targets.subtitle_min_seconds"),
            ("speed", "subtitle chars per second", f"<= {t.reading_cps_cjk:g} CJK / {t.reading_cps_latin:g} Latin",
             False, "targets.reading_cps_cjk/reading_cps_latin"),
            ("short", "subtitle time on screen", f">= {t.subtitle_min_seconds:g} s", False,
             "targets.subtitle_min_seconds")):
        found = problems[key]
        if found:
            for where, value in found[:5]:
                items(name, False, value, expected, hard=hard, where=where, setting=setting)
        else:
            items(name, True, len(timeline.cues), expected, hard=hard, setting=setting)


def _check_safe_zones(project: Project, timeline: Timeline, items: _Items) -> None:
    x0, y0, x1, y1 = _zone(project, timeline.width, timeline.height)
    zone = f"x {x0:.0f}-{x1:.0f}, y {y0:.0f}-{y1:.0f} px"
    setting = "targets.safe_top/safe_bottom/safe_sides"
    bad_text = [(kind, text, box) for kind, text, box in text_boxes(timeline)
                if box[0] < x0 - 0.5 or box[2] > x1 + 0.5 or box[1] < y0 - 0.5 or box[3] > y1 + 0.5]
    for kind, text, box in bad_text[:5]:
        items("text in safe zone", False, f"{kind} box {tuple(round(v) for v in box)}", zone,
              where=text.replace("\n", " / "), setting=setting)
    if not bad_text:
        items("text in safe zone", True, "all", zone, setting=setting)
    bad_faces = []
    for shot_id, name, (a, b, c, d) in face_boxes(timeline):
        inside = max(0.0, min(c, x1) - max(a, x0)) / max(c - a, 1e-9)
        cx = (a + c) / 2
        if b < y0 - 0.5 or d > y1 + 0.5 or not (x0 <= cx <= x1) or inside < 0.8:
            bad_faces.append((shot_id, name, (a, b, c, d)))
    for shot_id, name, box in bad_faces[:5]:
        items("faces in safe zone", False, f"{name} eyes-mouth {tuple(round(v) for v in box)}", zone, hard=False,
              where=f"shot {shot_id}", setting=setting + ", boards/ size and angle")
    if not bad_faces:
        items("faces in safe zone", True, "all", zone, hard=False, setting=setting)


def check_episode(project: Project, number: int) -> CheckResult:
    s = project.settings
    outs = episode_outputs(project, number)
    item = _Items()
    if not outs["video"].is_file() or not outs["timeline"].is_file():
        item("built", False, "missing", str(outs["video"]), where=f"ep{number:03d}", setting="run reelwright build")
        return CheckResult.model_validate({"episode": number, "ok": False, "items": item.items})
    timeline = load_document(outs["timeline"], Timeline)
    info = probe(outs["video"])
    v, a = info.get("video", {}), info.get("audio", {})
    item("video codec", v.get("codec") == "h264" and v.get("profile") == "High",
         f"{v.get('codec')} {v.get('profile')}", "h264 High", setting="video.preset")
    item("pixel format", v.get("pix_fmt") == "yuv420p", v.get("pix_fmt"), "yuv420p")
    item("frame size", (v.get("width"), v.get("height")) == (s.video.width, s.video.height),
         f"{v.get('width')}x{v.get('height')}", f"{s.video.width}x{s.video.height}", setting="video.width/height")
    item("frame rate", abs((v.get("fps") or 0) - s.video.fps) < 0.01, v.get("fps"), s.video.fps, setting="video.fps")
    item("audio codec", a.get("codec") == "aac" and a.get("sample_rate") == s.audio.sample_rate,
         f"{a.get('codec')} {a.get('sample_rate')}", f"aac {s.audio.sample_rate}", setting="audio.sample_rate")
    item("duration matches timeline", v.get("frames") == timeline.frames,
         v.get("frames"), timeline.frames, where="frames")
    summary = check_timeline(project, timeline, item)
    if timeline.audio or timeline.music or timeline.stings:
        samples, rate = decode_audio(outs["video"])
        lufs = loudness(samples, rate)
        tp = true_peak_dbtp(samples, rate)
        summary.update({"loudness": round(lufs, 2), "true_peak": round(tp, 2)})
        item("loudness", abs(lufs - s.audio.loudness) <= 1.0, round(lufs, 2), f"{s.audio.loudness:g}±1 LUFS",
             setting="audio.loudness")
        item("true peak", tp <= s.audio.true_peak + 0.05, round(tp, 2), f"<= {s.audio.true_peak:g} dBTP",
             setting="audio.true_peak")
    if outs["me"].is_file() and timeline.audio and s.sound.music:
        me = read_wav(outs["me"])
        duck = _ducking_db(np.asarray(me.samples, dtype=np.float64), me.sample_rate, timeline)
        if duck is not None:
            summary["music_under_speech_db"] = round(duck, 1)
            item("music ducks under speech", duck >= 8.0, round(duck, 1), ">= 8 dB", hard=False,
                 where=str(outs["me"].name), setting="sound.duck_db")
    _check_safe_zones(project, timeline, item)
    return CheckResult.model_validate({"episode": number, "ok": all(i["ok"] for i in item.items if i["hard"]),
                                       "duration": round(timeline.frames / timeline.fps, 3), "summary": summary,
                                       "items": item.items})


def check_project(project: Project, episodes: str | None = None) -> list[CheckResult]:
    numbers = parse_episode_spec(episodes, list(project.episodes))
    return [check_episode(project, n) for n in numbers]


def _status(r: CheckResult) -> str:
    warnings = len(r.warnings)
    return ("PASS" if r.ok else "FAIL") + (f" ({warnings} warning{'s' * (warnings != 1)})" if warnings else "")


def _row(i: CheckItem) -> str:
    mark = "ok  " if i.ok else ("FAIL" if i.hard else "warn")
    extra = f"  [{i.where}]" if i.where else ""
    hint = f"  (setting: {i.setting})" if (i.setting and not i.ok) else ""
    return f"  {mark} {i.check:<26} {i.value!s:<22} expected {i.expected}{extra}{hint}"


def format_table(results: list[CheckResult]) -> str:
    rows = []
    for r in results:
        sm = r.summary
        facts = []
        for key, label, unit in (("first_cut", "first cut", "s"), ("first_line", "first line", "s"),
                                 ("asl", "ASL", "s"), ("close_up_share", "close-ups", ""),
                                 ("loudness", "", " LUFS"), ("true_peak", "", " dBTP")):
            if key in sm:
                facts.append(f"{label} {sm[key]}{unit}".strip())
        duration = "-" if r.duration is None else r.duration
        rows.append(f"ep{r.episode:03d}  {_status(r)}  {duration}s  " + ", ".join(facts))
        rows += [_row(i) for i in r.items]
    return "\n".join(rows)


def format_brief(result: CheckResult) -> str:
    """One line per episode and one per failed item: what a build prints after its self-check."""
    lines = [f"ep{result.episode:03d} self-check: {_status(result)}"]
    lines += [_row(i) for i in result.items if not i.ok]
    return "\n".join(lines)

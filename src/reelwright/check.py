"""``reelwright check``: probe built episodes against the delivery rules.

Hard rules (exit 1): the file exists and decodes, H.264 High yuv420p at the
project size and rate, AAC at the project sample rate, loudness within ±1 LU of
the target and true peak under the ceiling, duration within one frame of the
timeline, subtitle lines within the length limits. Soft rules (reported):
episode duration against the targets.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from reelwright.documents.base import load_document
from reelwright.documents.timeline import Timeline
from reelwright.project import Project, parse_episode_spec

__all__ = ["check_project", "check_episode", "format_table", "decode_audio", "subtitle_limit"]

_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def subtitle_limit(line: str) -> int:
    return 16 if _CJK.search(line) else 29


def decode_audio(path: Path) -> tuple[np.ndarray, int]:
    import av  # noqa: PLC0415

    chunks = []
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        rate = stream.codec_context.sample_rate
        for frame in c.decode(stream):
            chunks.append(frame.to_ndarray().reshape(frame.layout.nb_channels, -1) if frame.format.is_planar
                          else frame.to_ndarray().reshape(-1, frame.layout.nb_channels).T)
    return np.concatenate(chunks, axis=1).T.astype(np.float64), rate


def check_episode(project: Project, number: int) -> dict:
    from reelwright.media.audio import loudness, true_peak_dbtp  # noqa: PLC0415
    from reelwright.media.video import probe  # noqa: PLC0415
    from reelwright.pipeline import episode_outputs  # noqa: PLC0415

    s = project.settings
    outs = episode_outputs(project, number)
    items: list[dict] = []

    def item(name: str, ok: bool, value, expected, hard: bool = True, where: str = "", setting: str = "") -> None:
        items.append({"check": name, "ok": bool(ok), "value": value, "expected": expected, "hard": hard,
                      "where": where, "setting": setting})

    if not outs["video"].is_file() or not outs["timeline"].is_file():
        item("built", False, "missing", str(outs["video"]), where=f"ep{number:03d}", setting="run reelwright build")
        return {"episode": number, "ok": False, "items": items}
    timeline = load_document(outs["timeline"], Timeline)
    info = probe(outs["video"])
    v, a = info.get("video", {}), info.get("audio", {})
    item("video codec", v.get("codec") == "h264" and v.get("profile") == "High",
         f"{v.get('codec')} {v.get('profile')}", "h264 High")
    item("pixel format", v.get("pix_fmt") == "yuv420p", v.get("pix_fmt"), "yuv420p")
    item("frame size", (v.get("width"), v.get("height")) == (s.video.width, s.video.height),
         f"{v.get('width')}x{v.get('height')}", f"{s.video.width}x{s.video.height}", setting="video.width/height")
    item("frame rate", abs((v.get("fps") or 0) - s.video.fps) < 0.01, v.get("fps"), s.video.fps, setting="video.fps")
    item("audio codec", a.get("codec") == "aac" and a.get("sample_rate") == s.audio.sample_rate,
         f"{a.get('codec')} {a.get('sample_rate')}", f"aac {s.audio.sample_rate}", setting="audio.sample_rate")
    want = timeline.frames / timeline.fps
    item("duration matches timeline", v.get("frames") == timeline.frames,
         v.get("frames"), timeline.frames, where="frames")
    item("episode length", s.targets.episode_min_seconds <= want <= s.targets.episode_max_seconds,
         round(want, 2), f"{s.targets.episode_min_seconds}-{s.targets.episode_max_seconds}s", hard=False,
         setting="targets.episode_min_seconds/episode_max_seconds")
    if timeline.audio:
        samples, rate = decode_audio(outs["video"])
        lufs = loudness(samples, rate)
        tp = true_peak_dbtp(samples, rate)
        item("loudness", abs(lufs - s.audio.loudness) <= 1.0, round(lufs, 2), f"{s.audio.loudness}±1 LUFS",
             setting="audio.loudness")
        item("true peak", tp <= s.audio.true_peak + 0.05, round(tp, 2), f"<= {s.audio.true_peak} dBTP",
             setting="audio.true_peak")
    for cue in timeline.cues:
        lines = cue.text.split("\n")
        too_long = [ln for ln in lines if len(ln) > subtitle_limit(ln)]
        if len(lines) > 2 or too_long:
            item("subtitle lines", False, cue.text, "<= 2 lines of <= 16 CJK / 29 Latin characters",
                 where=f"line {cue.line} at {timeline.frames and cue.start / timeline.fps:.2f}s")
    if not any(i["check"] == "subtitle lines" for i in items):
        item("subtitle lines", True, len(timeline.cues), "<= 2 lines of <= 16 CJK / 29 Latin characters")
    return {"episode": number, "ok": all(i["ok"] for i in items if i["hard"]),
            "duration": round(want, 3), "items": items}


def check_project(project: Project, episodes: str | None = None) -> list[dict]:
    numbers = parse_episode_spec(episodes, list(project.episodes))
    return [check_episode(project, n) for n in numbers]


def format_table(results: list[dict]) -> str:
    rows = []
    for r in results:
        rows.append(f"ep{r['episode']:03d}  {'PASS' if r['ok'] else 'FAIL'}  {r.get('duration', '-')}s")
        for i in r["items"]:
            mark = "ok  " if i["ok"] else ("FAIL" if i["hard"] else "warn")
            extra = f"  [{i['where']}]" if i["where"] else ""
            hint = f"  (setting: {i['setting']})" if (i["setting"] and not i["ok"]) else ""
            rows.append(f"  {mark} {i['check']:<26} {i['value']!s:<22} expected {i['expected']}{extra}{hint}")
    return "\n".join(rows)

"""Storyboard contact sheets (PNG pages and a PDF) and the shot list (CSV) of an episode.

``reelwright board --sheet`` writes, per episode, into ``build/``:

* ``epNNN.sheet-pK.png`` and ``epNNN.sheet.pdf`` — every shot as a thumbnail with
  its number, size, angle, move (drawn on the picture), duration, and the line or
  what happens;
* ``epNNN.shots.csv`` — the shot list a production works from: scene, shot, size,
  angle, move, subjects, description, dialogue, duration, location, props.

Durations come from the built timeline when it matches the board, otherwise from
an estimate (the length of each line read aloud, the cut's own rules for the rest).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from reelwright.documents.base import (
    atomic_write_bytes,
    atomic_write_text,
    load_own_document,
)
from reelwright.documents.bible import Bible, Look
from reelwright.documents.script import Dialogue, Episode, plain
from reelwright.documents.storyboard import CLOSE_SIZES, Shot, Storyboard
from reelwright.documents.timeline import Timeline
from reelwright.media.avatar import default_look
from reelwright.media.contact import (
    PANELS_PER_PAGE,
    THUMB_SIZE,
    Panel,
    draw_page,
    thumbnail,
)
from reelwright.media.frames import Camera
from reelwright.progress import Progress
from reelwright.project.cache import Cache
from reelwright.project.folder import episode_outputs, parse_episode_spec
from reelwright.providers.image_comic import ComicImages
from reelwright.stages.board import make_board
from reelwright.stages.timing import LINE_GAP, shot_frames, speech_seconds

__all__ = ["COLUMNS", "shot_rows", "write_shot_list", "write_contact_sheet", "shot_seconds"]

COLUMNS = ["scene", "shot", "size", "angle", "move", "subjects", "description", "dialogue", "duration",
           "location", "props"]


def _v(x) -> str:
    return str(getattr(x, "value", x))


def shot_seconds(board: Storyboard, episode: Episode, timeline: Timeline | None, fps: int) -> dict[str, float]:
    """Seconds per shot id: measured when ``timeline`` was cut from this board, else estimated."""
    if timeline is not None and [ts.shot.id for ts in timeline.shots] == [s.id for s in board.shots]:
        return {ts.shot.id: ts.frames / timeline.fps for ts in timeline.shots}

    lines = episode.dialogue()
    out: dict[str, float] = {}
    for i, s in enumerate(board.shots):
        if s.frames:
            out[s.id] = s.frames / fps
        elif s.line is not None and s.line < len(lines):
            spoken = speech_seconds(lines[s.line].text) + LINE_GAP
            shared = [x for x in board.shots if x.line == s.line]
            out[s.id] = spoken / len(shared)
        else:
            out[s.id] = shot_frames(s, fps) / fps
    return out


def _feeling(shot: Shot) -> str:
    """The expressions in frame: 'afraid' for one person, 'MAYA afraid, LEO cold' for more."""
    shown = [(n, e) for n, e in shot.expressions.items() if e != "neutral" and n in shot.subjects]
    if len(shot.subjects) == 1:
        return shown[0][1] if shown else ""
    return ", ".join(f"{n} {e}" for n, e in shown)


def _describe(shot: Shot) -> str:
    """What the shot shows, in a production's words."""
    who = ", ".join(shot.subjects)
    feel = _feeling(shot)
    mood = f", {feel}" if feel else ""
    angle = {"low": ", low angle", "high": ", high angle", "dutch": ", Dutch angle"}.get(_v(shot.angle), "")
    if shot.reason == "establishing":
        return f"Establishing: {shot.text}" + (f" — {who}" if who else "")
    if shot.reason == "insert":
        return f"Insert: {shot.text}"
    if shot.reason == "reaction":
        return f"Reaction: {who}{mood}{angle}"
    if shot.reason == "listen" and shot.subjects:
        over = f" over {shot.subjects[1]}'s shoulder" if len(shot.subjects) > 1 else ""
        return f"{shot.subjects[0]} listens{over}{mood}"
    if shot.reason == "shot_reverse_shot" and len(shot.subjects) > 1:
        return f"{shot.subjects[0]} over {shot.subjects[1]}'s shoulder{mood}"
    if shot.reason == "hook":
        return f"Hook: {shot.text.removeprefix('flash-forward: ')} (flash-forward)"
    if shot.reason in ("caption", "title"):
        return f"Caption: {shot.caption or shot.text}"
    if shot.reason == "dialogue" and shot.speaker and shot.speaker not in shot.subjects:
        return f"{who} hears {shot.speaker}{mood}" if who else f"{shot.speaker} (voice)"
    if shot.reason in ("dialogue", "cliffhanger"):
        return f"{who}{mood}{angle}"
    return shot.text or who


def _dialogue(shot: Shot, lines: list[Dialogue]) -> str:
    if shot.line is None or shot.line >= len(lines):
        return ""
    d = lines[shot.line]
    ext = f" ({', '.join(d.extensions)})" if d.extensions else ""
    return f"{d.character}{ext}: {plain(d.text)}"


def _location(shot: Shot) -> str:
    where = "INT" if shot.interior else "EXT"
    return f"{shot.location} ({where}, {'night' if shot.night else 'day'})" if shot.location else ""


def shot_rows(board: Storyboard, episode: Episode, seconds: dict[str, float]) -> list[dict[str, str]]:
    """The shot list: one row per shot, the columns of :data:`COLUMNS`."""
    lines = episode.dialogue()
    return [{"scene": str(s.scene), "shot": s.id, "size": _v(s.size), "angle": _v(s.angle), "move": _v(s.move),
             "subjects": ", ".join(s.subjects), "description": _describe(s), "dialogue": _dialogue(s, lines),
             "duration": f"{seconds.get(s.id, 0.0):.2f}", "location": _location(s), "props": ", ".join(s.props)}
            for s in board.shots]


def write_shot_list(rows: list[dict[str, str]], path: Path) -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, buf.getvalue())
    return path


def _thumbnail(shot: Shot, bible: Bible, width: int, height: int):
    """The shot's still with its camera move drawn on (the still is drawn at the move's size, then shrunk)."""

    looks = {}
    for name in shot.subjects:
        c = bible.character(name)
        looks[name] = c.look if c is not None else Look(seed=name, options=default_look(name))
    move = _v(shot.move)
    camera = Camera(move, width, height)
    sw, sh = camera.still_size()
    still = ComicImages().still(shot, looks, sw, sh, speaker_mouth_open=False)

    def view(t: float) -> tuple[float, float, float, float]:
        m = camera.matrix(t, 0) if move not in ("static", "shake") else None
        if m is None:  # the frame is the middle of the still
            x0, y0 = (sw - width) / 2, (sh - height) / 2
            return (x0, y0, x0 + width, y0 + height)
        x0, y0 = -m[0, 2] / m[0, 0], -m[1, 2] / m[1, 1]
        return (x0, y0, x0 + width / m[0, 0], y0 + height / m[1, 1])

    return thumbnail(still, move, view(0.0), view(1.0), (width, height))


def write_contact_sheet(board: Storyboard, episode: Episode, bible: Bible, seconds: dict[str, float],
                        out_dir: Path, *, title: str = "", on_shot=None) -> dict[str, list[Path] | Path]:
    """Render the contact sheet of ``board``: PNG pages and one PDF, in ``out_dir``."""

    lines = episode.dialogue()
    panels = []
    for n, shot in enumerate(board.shots, 1):
        panels.append(Panel(image=_thumbnail(shot, bible, *THUMB_SIZE), number=n, shot_id=shot.id, scene=shot.scene,
                            size=_v(shot.size), angle=_v(shot.angle), move=_v(shot.move),
                            seconds=seconds.get(shot.id, 0.0), title=_describe(shot),
                            dialogue=_dialogue(shot, lines), reason=shot.reason, sting=shot.sting))
        if on_shot:
            on_shot(1)
    total = sum(seconds.get(s.id, 0.0) for s in board.shots)
    close = sum(1 for s in board.shots if _v(s.size) in CLOSE_SIZES) / max(len(board.shots), 1)
    name = f"ep{board.episode:03d}"
    head = f"{title} — {name}" + (f" “{episode.title}”" if episode.title else "")
    sub = (f"{len(board.shots)} shots · {total:.1f} s · close-ups {close:.0%} · average shot "
           f"{total / max(len(board.shots), 1):.1f} s · scenes {len({s.scene for s in board.shots})}"
           "   ·   yellow: camera move (end frame, direction) · STING / CLIFF: music hit")
    pages = [panels[i:i + PANELS_PER_PAGE] for i in range(0, len(panels), PANELS_PER_PAGE)] or [[]]
    images, pngs = [], []
    for k, chunk in enumerate(pages, 1):
        page = draw_page(chunk, head, sub, k, len(pages))
        path = out_dir / f"{name}.sheet-p{k}.png"
        buf = io.BytesIO()
        page.save(buf, format="PNG", optimize=True)
        atomic_write_bytes(path, buf.getvalue())
        images.append(page)
        pngs.append(path)
    for stale in out_dir.glob(f"{name}.sheet-p*.png"):
        if stale not in pngs:
            stale.unlink(missing_ok=True)
    pdf = out_dir / f"{name}.sheet.pdf"
    buf = io.BytesIO()
    images[0].save(buf, format="PDF", save_all=True, append_images=images[1:], resolution=150.0,
                   title=head, author="reelwright")
    atomic_write_bytes(pdf, buf.getvalue())
    return {"png": pngs, "pdf": pdf}


def board_project(project, episodes: str | None = None, *, sheet: bool = False,
                  quiet: bool = False) -> list[dict]:
    """``reelwright board``: (re)make ``boards/epNNN.yaml`` for each episode, with contact sheets and shot
    lists in ``build/`` when ``sheet`` is set. Returns one summary per episode."""

    numbers = parse_episode_spec(episodes, list(project.episodes))
    cache = Cache(project.cache_dir, project.lock_path)
    cache.clean_temp()
    project.sync_bible()
    fps = project.settings.video.fps
    out = []
    try:
        for number in numbers:
            episode = project.episodes[number].episode
            board = make_board(project, number, cache)
            timeline_path = episode_outputs(project, number)["timeline"]
            timeline = load_own_document(timeline_path, Timeline) if timeline_path.is_file() else None
            seconds = shot_seconds(board, episode, timeline, fps)
            summary = {"episode": number, "board": str(project.board_path(number)), "shots": len(board.shots),
                       "seconds": round(sum(seconds.values()), 1),
                       "close_up_share": round(sum(1 for s in board.shots if _v(s.size) in CLOSE_SIZES)
                                               / max(len(board.shots), 1), 2),
                       "measured": timeline is not None and [ts.shot.id for ts in timeline.shots]
                       == [s.id for s in board.shots]}
            if sheet:
                project.build_dir.mkdir(parents=True, exist_ok=True)
                rows = shot_rows(board, episode, seconds)
                summary["csv"] = str(write_shot_list(rows, project.build_dir / f"ep{number:03d}.shots.csv"))
                with Progress(f"ep{number:03d} sheet", len(board.shots), enabled=not quiet) as bar:
                    files = write_contact_sheet(board, episode, project.bible, seconds, project.build_dir,
                                                title=project.settings.project.title, on_shot=bar.advance)
                summary["pdf"] = str(files["pdf"])
                summary["png"] = [str(p) for p in files["png"]]
            out.append(summary)
    finally:
        cache.save_lock()
    return out

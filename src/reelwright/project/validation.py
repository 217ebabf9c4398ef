"""The checks a project's files get up front, beyond what each document's schema says.

:meth:`reelwright.project.Project.load` runs them on every file a user writes (settings, bible, scripts,
boards) before any work, and reports every problem at once with its file and line: fields that must agree
(``asl_min`` ≤ ``asl_max``), ids that must be unique (shot ids, character names), references that must resolve
(board subjects, lines, scenes), and limits that keep a build bounded (:mod:`reelwright.limits`). Warnings
(a very long line, text the fonts cannot draw) are returned separately; they are printed, not refused.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from reelwright.documents.base import node_line
from reelwright.documents.bible import Bible
from reelwright.documents.script import Action, Caption, Dialogue, Episode, SceneHeading, ScriptDocument, plain
from reelwright.documents.storyboard import Storyboard
from reelwright.errors import InputError, Problem
from reelwright.fsutil import user_file
from reelwright.limits import MAX_EPISODE_NUMBER, MAX_NAME_CHARS, MAX_SHOT_SECONDS, MAX_SHOTS, WARN_LINE_CHARS
from reelwright.media.music import probe_audio
from reelwright.media.text import missing_glyphs
from reelwright.project.settings import Settings, media_path_problem, toml_line

__all__ = ["script_problems", "name_problem", "bible_problems", "board_problems", "text_warnings", "music_problem",
           "settings_music_problems"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _control(text: str) -> str | None:
    m = _CONTROL.search(text)
    return None if m is None else f"U+{ord(m.group()):04X}"


def name_problem(name: str) -> str | None:
    """What is wrong with a character's name, or None."""
    if not name.strip():
        return "empty character name"
    if (c := _control(name)) is not None:
        return f"character name {name[:40]!r} holds a control character ({c})"
    if len(name) > MAX_NAME_CHARS:
        return f"character name of {len(name)} characters; the limit is {MAX_NAME_CHARS}"
    return None


def _rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def text_warnings(text: str, path: str | Path | None, line: int | None, what: str) -> list[Problem]:
    """Warnings for text that will be shown on screen: characters the subtitle font cannot draw (emoji, scripts
    it lacks) and right-to-left text (drawn left to right)."""
    out = []
    if missing := missing_glyphs(text):
        shown = " ".join(f"{c} (U+{ord(c):04X})" for c in missing[:6])
        out.append(Problem(path, line, f"{what} holds characters the subtitle font cannot draw: {shown}; they would "
                           "burn in as empty boxes (the self-check fails on them)"))
    elif _rtl(text):
        out.append(Problem(path, line, f"{what} is right-to-left text; subtitles draw it left to right"))
    return out


def _episode_has_content(ep: Episode) -> bool:
    return any(isinstance(e, (SceneHeading, Action, Dialogue, Caption)) for e in ep.elements)


def script_problems(doc: ScriptDocument, path: str | Path) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) of one parsed script, beyond what its parser checks: names, episode numbers, empty
    episodes, long lines, text the subtitle font cannot draw."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for ep in doc.episodes:
        for el in ep.elements:
            if isinstance(el, SceneHeading):
                errors += [Problem(path, el.line or None, msg) for msg in map(name_problem, el.cast) if msg]
    errors += [Problem(path, b.line or None, msg) for b in doc.bios if (msg := name_problem(b.name))]
    if errors:
        return errors, warnings
    return _doc_problems(doc, path, errors, warnings)


def _doc_problems(doc: ScriptDocument, path: str | Path, errors: list[Problem], warnings: list[Problem]
                  ) -> tuple[list[Problem], list[Problem]]:
    if not doc.episodes or not any(_episode_has_content(ep) for ep in doc.episodes):
        errors.append(Problem(path, 1, "the script has no scenes, action or dialogue: nothing to film"))
        return errors, warnings
    for ep in doc.episodes:
        if ep.number > MAX_EPISODE_NUMBER or ep.number < 0:
            shown = str(ep.number)[:20] + ("…" if len(str(ep.number)) > 20 else "")
            errors.append(Problem(path, ep.line or 1, f"episode number {shown} is out of range 0–{MAX_EPISODE_NUMBER}"))
        if not _episode_has_content(ep):
            errors.append(Problem(path, ep.line or 1, f"episode {str(ep.number)[:20]} has no scenes, action or "
                                  "dialogue: nothing to film"))
        for el in ep.elements:
            if isinstance(el, Dialogue):
                if (msg := name_problem(el.character)) is not None:
                    errors.append(Problem(path, el.line or None, msg))
                spoken = plain(el.text)
                if len(spoken) > WARN_LINE_CHARS:
                    warnings.append(Problem(path, el.line or None, f"a line of {len(spoken)} characters (over "
                                            f"{WARN_LINE_CHARS}) voices for a long time; consider splitting it"))
                warnings += text_warnings(spoken, path, el.line or None, f"{el.character}'s line")
            elif isinstance(el, Caption):
                warnings += text_warnings(el.text, path, el.line or None, "the caption")
    return errors, warnings


def bible_problems(bible: Bible, path: str | Path, node: yaml.Node | None) -> list[Problem]:
    """Character names unique, bounded and printable."""
    out: list[Problem] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(bible.characters):
        line = node_line(node, ("characters", i, "name"))
        if (msg := name_problem(c.name)) is not None:
            out.append(Problem(path, line, msg))
        if c.name in seen:
            out.append(Problem(path, line, f"character {c.name!r} is defined twice (also character {seen[c.name] + 1}"
                               "); keep one"))
        seen.setdefault(c.name, i)
    return out


def board_problems(board: Storyboard, episode: Episode | None, settings: Settings, path: Path, root: Path,
                   node: yaml.Node | None, known: set[str]) -> list[Problem]:
    """A user's board checked against its episode: unique shot ids, subjects that exist, lines and scenes the
    episode has, durations within bounds, music files inside the project."""
    out: list[Problem] = []
    number = _number_of(path)
    if number is not None and board.episode != number:
        out.append(Problem(path, node_line(node, ("episode",)), f"episode: {board.episode}, but the file is for "
                           f"episode {number}"))
    if not board.shots:
        out.append(Problem(path, node_line(node, ("shots",)), "the board has no shots; delete the file to have "
                           "reelwright board the episode again"))
    if len(board.shots) > MAX_SHOTS:
        out.append(Problem(path, node_line(node, ("shots",)), f"{len(board.shots)} shots; the limit is {MAX_SHOTS}"))
    n_lines = len(episode.dialogue()) if episode is not None else None
    n_scenes = max(len(episode.scenes()), 1) if episode is not None else None
    max_frames = MAX_SHOT_SECONDS * settings.video.fps
    ids: dict[str, int] = {}
    for i, shot in enumerate(board.shots):
        def at(*key: Any) -> int | None:
            return node_line(node, ("shots", i, *key))

        if shot.id in ids:
            out.append(Problem(path, at("id"), f"shot id {shot.id!r} is used twice (also shot {ids[shot.id] + 1}); "
                               "ids must be unique"))
        ids.setdefault(shot.id, i)
        for j, name in enumerate([*shot.subjects, *([shot.speaker] if shot.speaker else [])]):
            if name not in known:
                key = ("subjects", j) if j < len(shot.subjects) else ("speaker",)
                out.append(Problem(path, at(*key), f"shot {shot.id}: unknown character {name!r} (not in bible.yaml)"))
        for field in ("expressions", "sides"):
            for name in getattr(shot, field):
                if name not in known:
                    out.append(Problem(path, at(field, name), f"shot {shot.id}: {field} names unknown character "
                                       f"{name!r} (not in bible.yaml)"))
        if shot.line is not None and n_lines is not None and not 0 <= shot.line < n_lines:
            out.append(Problem(path, at("line"), f"shot {shot.id}: line {shot.line} does not exist (the episode has "
                               f"{n_lines} line(s), numbered from 0)"))
        if n_scenes is not None and not 1 <= shot.scene <= n_scenes:
            out.append(Problem(path, at("scene"), f"shot {shot.id}: scene {shot.scene} does not exist (the episode "
                               f"has {n_scenes} scene(s), numbered from 1)"))
        if shot.frames is not None and shot.frames > max_frames:
            out.append(Problem(path, at("frames"), f"shot {shot.id}: frames {shot.frames} is over the limit of "
                               f"{max_frames} ({MAX_SHOT_SECONDS} s at {settings.video.fps} fps)"))
    for k, sc in enumerate(board.scenes):
        if n_scenes is not None and not 1 <= sc.scene <= n_scenes:
            out.append(Problem(path, node_line(node, ("scenes", k, "scene")), f"scene {sc.scene} does not exist "
                               f"(the episode has {n_scenes} scene(s))"))
        if sc.music and sc.music != "none":
            if (msg := music_problem(sc.music, root)) is not None:
                out.append(Problem(path, node_line(node, ("scenes", k, "music")), msg))
    return out


def music_problem(name: str, root: Path) -> str | None:
    """What is wrong with a music file a user named (relative to the project ``root``), or None: a path out of
    the project, not an audio suffix, missing, not a regular file, a link out of the project, not decodable."""
    if (msg := media_path_problem(name, root)) is not None:
        return msg
    try:
        user_file(root / name, root, what=f"music file {name!r}")
        probe_audio(root / name)
    except InputError as exc:
        message = exc.problems[0].message
        return message if message.startswith("music file '") else \
            f"music file {name!r} {message.removeprefix('music file ')}"
    return None


def settings_music_problems(settings: Settings, root: Path, path: Path) -> list[Problem]:
    """The music files ``reelwright.toml`` names ([sound] sting_file, cliffhanger_file, moods), checked."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    snd = settings.sound
    named = [(("sound", key), getattr(snd, key)) for key in ("sting_file", "cliffhanger_file") if getattr(snd, key)]
    named += [(("sound", "moods", mood), name) for mood, name in snd.moods.items() if name and name != "none"]
    return [Problem(path, toml_line(text, loc), msg) for loc, name in named if (msg := music_problem(name, root))]


def _number_of(path: Path) -> int | None:
    m = re.fullmatch(r"ep0*(\d+)", path.stem)
    return int(m.group(1)) if m else None

"""User edits made through the API or the studio, written exactly as a hand edit would be.

A changed line of dialogue rewrites only that line's text in its script file (``scripts/``), in the file's own
format; a changed shot field rewrites ``boards/epNNN.yaml``; a changed look or voice rewrites ``bible.yaml``.
Each edit is validated first (the edited script must parse back to the same elements with the new text; a board
or bible field must be one the document accepts) and refused with :class:`~reelwright.errors.InputError` naming
the field, in which case nothing is written. The next build picks the edit up like any other change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reelwright.documents.base import atomic_write_text, read_text, save_document
from reelwright.documents.bible import Bible
from reelwright.documents.script import Dialogue, plain
from reelwright.documents.storyboard import Shot, Storyboard
from reelwright.errors import InputError
from reelwright.project.folder import BIBLE, Project
from reelwright.screenplay import parse_text

__all__ = ["Edit", "edit_line", "edit_shot", "edit_character", "SHOT_FIELDS", "CHARACTER_FIELDS", "dialogue_at"]

# shot fields a user edit may change (a dotted name sets one entry of a per-character map: expressions.MAYA)
SHOT_FIELDS = ("size", "angle", "move", "subjects", "speaker", "expressions", "sides", "caption", "frames", "sting",
               "cross", "props")
CHARACTER_FIELDS = ("description", "age", "gender", "look", "voice")


@dataclass(frozen=True)
class Edit:
    """What an edit changed: the file written, the field, the value before and after."""

    path: Path
    episode: int | None
    target: str  # "line 3", "shot s02-d01", "character MAYA"
    field: str
    before: Any
    after: Any

    @property
    def changed(self) -> bool:
        return self.before != self.after


def dialogue_at(project: Project, episode: int, index: int) -> Dialogue:
    """The ``index``-th (0-based) dialogue line of ``episode``."""
    if episode not in project.episodes:
        raise InputError(f"no script for episode {episode}; have {sorted(project.episodes)}")
    lines = project.episodes[episode].episode.dialogue()
    if not 0 <= index < len(lines):
        raise InputError(f"episode {episode} has {len(lines)} dialogue line(s); there is no line {index}")
    return lines[index]


def _clean_text(text: str, fmt: str, field: str = "text") -> str:
    if not isinstance(text, str):
        raise InputError(f"{field}: expected text")
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    if not lines:
        raise InputError(f"{field}: a line of dialogue cannot be empty (delete it in the script instead)")
    if any(not ln for ln in lines):
        raise InputError(f"{field}: a blank line would end the dialogue; write it as one paragraph")
    if fmt in ("zh", "en") and len(lines) > 1:
        raise InputError(f"{field}: a line in the short-drama script layout is one line (no line breaks)")
    return "\n".join(lines)


_ZH_PREFIX = re.compile(r"^(?P<head>[ \t\u3000]*[^：:\n]+?[：:][ \t\u3000]*(?:[（(][^）)]*[）)][ \t\u3000]*)?)(?P<rest>.*)$")


def _replace_in_source(source: str, fmt: str, d: Dialogue, text: str) -> str:
    """``source`` with dialogue ``d``'s spoken words replaced by ``text`` (parentheticals before them kept)."""
    lines = source.split("\n")
    at = d.line - 1
    if not 0 <= at < len(lines):
        raise InputError(f"the script changed on disk (line {d.line} is gone); reload and try again")
    if fmt in ("zh", "en"):  # the short-drama layouts: NAME: (emotion) words, one line
        m = _ZH_PREFIX.match(lines[at])
        if not m:
            raise InputError(f"line {d.line} is not a dialogue line any more; reload and try again")
        lines[at] = m.group("head") + text
        return "\n".join(lines)
    # Fountain: the cue, then parentheticals and text lines up to the blank line that ends the block
    end = at + 1
    while end < len(lines) and lines[end].strip():
        end += 1
    block = lines[at + 1:end]
    keep = []
    for ln in block:  # the parentheticals before the first spoken line stay (the delivery note)
        if ln.strip().startswith("("):
            keep.append(ln)
        else:
            break
    indent = re.match(r"^[ \t]*", block[len(keep)] if len(block) > len(keep) else "").group(0)
    new = [indent + t for t in text.split("\n")]
    return "\n".join(lines[:at + 1] + keep + new + lines[end:])


def edit_line(project: Project, episode: int, index: int, text: str) -> Edit:
    """Change the words of dialogue line ``index`` (0-based, in the episode) to ``text`` in its script file."""
    src = project.episodes.get(episode)
    d = dialogue_at(project, episode, index)
    fmt = src.document.format
    if src.path.suffix.lower() not in (".fountain", ".txt", ".md"):
        raise InputError(f"text: {src.path.name} is a {src.path.suffix} file; lines are edited in plain-text "
                         "scripts only (convert it with 'reelwright parse --to', or edit it in its own program)",
                         path=src.path, line=d.line)
    try:
        new_text = _clean_text(text, fmt)
    except InputError as exc:
        raise InputError(exc.problems[0].message, path=src.path, line=d.line) from None
    before = d.text
    if new_text == before:
        return Edit(src.path, episode, f"line {index}", "text", before, before)
    source = read_text(src.path)
    edited = _replace_in_source(source, fmt, d, new_text)
    try:
        doc = parse_text(edited, src.path, fmt)
    except InputError as exc:
        raise InputError(f"text: that would break the script format ({exc.problems[0].message})",
                         path=src.path, line=d.line) from None
    ep = next((e for e in doc.episodes if e.number == episode), None)
    got = ep.dialogue() if ep is not None else []
    old = src.episode.dialogue()
    same_shape = len(got) == len(old) and all(a.character == b.character for a, b in zip(got, old)) \
        and len(ep.elements) == len(src.episode.elements)
    if not same_shape or plain(got[index].text) != plain(new_text):
        raise InputError("text: that would break the script format (it would read as another element, e.g. a "
                         "character cue, a scene heading or a parenthetical); rephrase it", path=src.path,
                         line=d.line)
    atomic_write_text(src.path, edited)
    return Edit(src.path, episode, f"line {index}", "text", before, new_text)


def _shot_index(board: Storyboard, shot: str | int) -> int:
    ids = [s.id for s in board.shots]
    if isinstance(shot, int) or (isinstance(shot, str) and shot.isdigit()):
        n = int(shot)
        if 1 <= n <= len(ids):
            return n - 1
        raise InputError(f"episode {board.episode} has {len(ids)} shot(s); there is no shot {n}")
    if shot in ids:
        return ids.index(shot)
    raise InputError(f"no shot {shot!r} in episode {board.episode}; shots are {', '.join(ids[:8])}"
                     + ("…" if len(ids) > 8 else ""))


def _validation_message(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(x) for x in err.get("loc", ()))
    return f"{where}: {err.get('msg', 'invalid value')}" if where else err.get("msg", "invalid value")


def edit_shot(project: Project, board: Storyboard, shot: str | int, changes: dict[str, Any]) -> list[Edit]:
    """Set fields of one shot of ``board`` (the episode's current board, as the build derives it) and save the
    board to ``boards/`` as a hand edit, once, after every change is checked (a bad one writes nothing).
    A field is one of :data:`SHOT_FIELDS`, or ``expressions.NAME`` / ``sides.NAME`` for one character."""
    i = _shot_index(board, shot)
    current = board.shots[i]
    data = current.model_dump(mode="json")
    befores = []
    for field, value in changes.items():
        name, _, key = field.partition(".")
        if name not in SHOT_FIELDS or (key and name not in ("expressions", "sides")):
            raise InputError(f"{field}: not a shot field a user edit can change; expected one of "
                             f"{', '.join(SHOT_FIELDS)} (or expressions.NAME, sides.NAME)")
        befores.append(data.get(name) if not key else (data.get(name) or {}).get(key))
        if key:
            if key not in current.subjects:
                raise InputError(f"{field}: {key} is not in shot {current.id} (its subjects: "
                                 f"{', '.join(current.subjects) or 'none'})")
            data[name] = {**(data.get(name) or {}), key: value}
        elif value in ("", None) and name in ("caption", "frames", "speaker", "sting"):
            data[name] = None
        else:
            data[name] = value
        try:
            Shot.model_validate(data)
        except ValidationError as exc:
            raise InputError(f"{field}: {_validation_message(exc)}", path=project.board_path(board.episode)) from None
    new_shot = Shot.model_validate(data)
    known = {c.name for c in project.bible.characters}
    if board.episode in project.episodes:
        known |= set(project.episodes[board.episode].episode.characters())
    for person in [*new_shot.subjects, *([new_shot.speaker] if new_shot.speaker else [])]:
        if person not in known:
            field = "speaker" if person == new_shot.speaker and person not in new_shot.subjects else "subjects"
            raise InputError(f"{field}: unknown character {person!r} (not in bible.yaml)",
                             path=project.board_path(board.episode))
    shots = list(board.shots)
    shots[i] = new_shot
    dumped = new_shot.model_dump(mode="json")
    edits = []
    for (field, _), before in zip(changes.items(), befores):
        name, _, key = field.partition(".")
        after = dumped.get(name)
        after = (after or {}).get(key) if key else after
        edits.append(Edit(project.board_path(board.episode), board.episode, f"shot {current.id}", field, before,
                          after))
    if any(e.changed for e in edits):
        save_document(board.model_copy(update={"shots": shots}), project.board_path(board.episode))
    return edits


def edit_character(project: Project, name: str, changes: dict[str, Any]) -> list[Edit]:
    """Set fields of one character in ``bible.yaml`` (``look.options.hairColor``, ``voice.pitch``,
    ``description``…), saved once after the bible's own model accepts every change (else nothing is written)."""
    bible = project.bible
    index = next((i for i, c in enumerate(bible.characters) if c.name == name), None)
    if index is None:
        raise InputError(f"no character {name!r} in bible.yaml")
    data = bible.model_dump(mode="json")
    node = data["characters"][index]
    edits = []
    for field, value in changes.items():
        if field.partition(".")[0] not in CHARACTER_FIELDS:
            raise InputError(f"{field}: not a character field; expected one of {', '.join(CHARACTER_FIELDS)}")
        parts = field.split(".")
        at = node
        for p in parts[:-1]:
            if not isinstance(at.get(p), dict):
                at[p] = {}
            at = at[p]
        edits.append(Edit(project.root / BIBLE, None, f"character {name}", field, at.get(parts[-1]), value))
        at[parts[-1]] = value
        try:
            Bible.model_validate(data)
        except ValidationError as exc:
            raise InputError(f"{field}: {_validation_message(exc)}", path=project.root / BIBLE) from None
    new = Bible.model_validate(data)
    if any(e.changed for e in edits):
        save_document(new, project.root / BIBLE)
        project.bible = new
    return edits

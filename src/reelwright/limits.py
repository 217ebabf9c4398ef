"""Limits that keep a build bounded, whatever a user's files say. Each error that enforces one names it."""

from __future__ import annotations

__all__ = ["MAX_SCRIPT_BYTES", "MAX_DOCUMENT_BYTES", "MAX_LINE_CHARS", "WARN_LINE_CHARS", "MAX_NAME_CHARS",
           "MAX_EPISODE_NUMBER", "MAX_SHOT_SECONDS", "MAX_YAML_DEPTH", "MAX_SHOTS",
           "MAX_MUSIC_SECONDS"]

MAX_SCRIPT_BYTES = 8 * 1024 * 1024  # a season of 100 episodes in one file is ~2 MB
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024  # bible.yaml, a board, reelwright.toml
MAX_LINE_CHARS = 5000  # one line of a script; more is a paste gone wrong, not a line of dialogue
WARN_LINE_CHARS = 400  # a spoken line this long voices for half a minute or more: said, not refused
MAX_NAME_CHARS = 64  # a character's name
MAX_EPISODE_NUMBER = 9999
MAX_SHOT_SECONDS = 600  # one shot's fixed duration (board ``frames``)
MAX_SHOTS = 5000  # shots in one board
MAX_YAML_DEPTH = 64  # nesting of a YAML document
MAX_MUSIC_SECONDS = 1800  # of a music file, decoded (a bed loops; an hour-long file is not read whole)

"""Season-scale freshness: is an episode's build up to date, decided from what the lock recorded.

After an episode is built and checked, the lock gets an ``epNNN/fresh`` entry: a fingerprint of everything the
episode was made from (the parsed episode, its board file, the bible, the settings, the program version, the
user's music files) and the size and modification time of what it made (video, subtitles, timeline, stem).
The next build compares: when both match, the episode is up to date and is neither boarded, voiced, cut, mixed,
rendered nor checked again (its self-check result is cached under the same key). A one-line edit in one episode
of a 100-episode season therefore re-derives one episode, not 100.

Files are compared by content hash (inputs) or by size and modification time (outputs, the user's music; a
changed time is confirmed by hashing the content before anything is redone).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from reelwright import __version__
from reelwright.check.report import CheckResult
from reelwright.documents.base import load_document
from reelwright.documents.breakdown import BREAKDOWN_FILE, Breakdown
from reelwright.fsutil import bytes_sha256, file_sha256
from reelwright.project.cache import Cache, canonical_json, make_key
from reelwright.project.folder import BIBLE, SETTINGS, Project, episode_outputs

__all__ = ["FRESH_VERSION", "EpisodeState", "fingerprint", "is_fresh", "record_fresh", "cached_check"]

FRESH_VERSION = 1


def _file_sha(path: Path) -> str | None:
    try:
        return file_sha256(path)
    except FileNotFoundError:
        return None


def _stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _chosen_seeds(cache: Cache, number: int) -> str:
    """The seeds the lock holds for the episode's generated pictures (``redo`` and picked takes change them)."""
    seeds = {name: entry.seed for name, entry in cache.group(f"ep{number:03d}/image").items()}
    return bytes_sha256(canonical_json(seeds).encode("utf-8"))


def fingerprint(project: Project, number: int, cache: Cache) -> dict[str, Any]:
    """What episode ``number`` is made from, as hashes: changes when anything that could change its build does."""
    src = project.episodes[number]
    return {
        "seeds": _chosen_seeds(cache, number),
        "fresh": FRESH_VERSION,
        "version": __version__,
        "episode": bytes_sha256(canonical_json(src.episode.model_dump(mode="json")).encode("utf-8")),
        "language": project.language(number),
        "board": _file_sha(project.board_path(number)),
        "bible": _file_sha(project.root / BIBLE),
        "settings": _file_sha(project.root / SETTINGS),
        "wardrobe": _wardrobe_sha(project.root / BREAKDOWN_FILE, number),
    }


def _wardrobe_sha(path: Path, number: int) -> str | None:
    """The episode's costumes in ``breakdown.yaml`` (they dress its pictures); other breakdown edits don't count."""
    sha = _file_sha(path)
    return _wardrobes(str(path), sha).get(number) if sha else None


@lru_cache(maxsize=4)
def _wardrobes(path: str, sha: str) -> dict[int, str]:  # parsed once per content, not once per episode
    breakdown = load_document(Path(path), Breakdown)
    episodes = sorted({s.episode for s in breakdown.scenes})
    return {n: bytes_sha256(canonical_json({k: {c: [w.wears, w.colour] for c, w in v.items()}
                                    for k, v in breakdown.wardrobe(n).items()}).encode("utf-8")) for n in episodes}


def _outputs(project: Project, number: int) -> dict[str, list[int] | None]:
    return {name: _stat(path) for name, path in episode_outputs(project, number).items()}


@dataclass
class EpisodeState:
    """An up-to-date episode as the lock recorded it."""

    key: str
    mix: Path | None


def is_fresh(project: Project, number: int, cache: Cache, inputs: dict[str, Any] | None = None
             ) -> EpisodeState | None:
    """The recorded state when episode ``number`` needs no work at all, else None."""
    entry = cache.lock.artifacts.get(f"ep{number:03d}/fresh")
    if entry is None or entry.inputs.get("inputs") != (inputs or fingerprint(project, number, cache)):
        return None
    recorded = entry.inputs.get("outputs") or {}
    if not recorded.get("video") or _outputs(project, number) != recorded:
        return None
    for name, (size, mtime, sha) in (entry.inputs.get("music") or {}).items():
        path = project.root / name
        now = _stat(path)
        if now is None or (now != [size, mtime] and _file_sha(path) != sha):
            return None
    mix = cache.lock.artifacts.get(f"ep{number:03d}/mix")
    mix_path = cache.output_path(mix.outputs[0]) if mix and mix.outputs else None
    if mix_path is None or not mix_path.is_file():
        return None
    return EpisodeState(entry.key, mix_path)


def record_fresh(project: Project, number: int, cache: Cache, music: dict[str, str], check: CheckResult) -> str:
    """Note in the lock that episode ``number`` is built from what it is now; cache its self-check."""
    inputs = fingerprint(project, number, cache)
    music_state = {}
    for name, sha in sorted(music.items()):
        st = _stat(project.root / name)
        if st is not None:
            music_state[name] = [st[0], st[1], _file_sha(project.root / name)]
    state = {"inputs": inputs, "outputs": _outputs(project, number), "music": music_state}
    key = make_key("fresh", state)
    cache.write_json("check", key, check.model_dump(mode="json"))
    cache.record(f"ep{number:03d}/fresh", "fresh", key, [], inputs=state)
    return key


def cached_check(cache: Cache, key: str) -> CheckResult | None:
    data = cache.read_json("check", key)
    return CheckResult.model_validate(data) if data is not None else None

"""Takes of one shot's generated picture: draw N candidates, pick one, go back to the previous one.

A candidate is the shot's still request with another seed, made through the project's image provider and
cached like any picture (lock entries ``epNNN/candidate/<shot>/<seed>``). Picking one writes its seed into the
shot's image entry of ``reelwright.lock`` (as ``reelwright redo … --seed`` does), so the next build finds the
picture in the cache and reproduces it without a new call. ``epNNN/takes/<shot>`` in the lock keeps the seeds
picked before (for revert) and the candidates made. Needs a generative ``[providers] image``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from reelwright.errors import BuildError, InputError
from reelwright.project.cache import Cache
from reelwright.project.folder import Project
from reelwright.project.ledger import Ledger
from reelwright.stages.board import derive_board
from reelwright.stages.images import MediaMaker, find_shot, generative, redo_shot

__all__ = ["Take", "ShotTakes", "shot_takes", "make_candidates", "pick_take", "revert_take", "MAX_CANDIDATES"]

MAX_CANDIDATES = 8


@dataclass(frozen=True)
class Take:
    seed: int
    path: Path | None  # the picture, when made
    current: bool


@dataclass(frozen=True)
class ShotTakes:
    episode: int
    shot: str
    seed: int | None  # the seed the next build uses (None: not chosen yet; the build derives one)
    prompt: str
    history: list[int]  # seeds picked before, oldest first
    candidates: list[Take]


def _names(number: int, shot_id: str) -> tuple[str, str]:
    tag = f"ep{number:03d}"
    return f"{tag}/image/{shot_id}", f"{tag}/takes/{shot_id}"


def shot_takes(project: Project, number: int, shot_id: str, cache: Cache) -> ShotTakes:
    image_name, takes_name = _names(number, shot_id)
    image = cache.lock.artifacts.get(image_name)
    takes = cache.lock.artifacts.get(takes_name)
    seed = image.seed if image is not None and isinstance(image.seed, int) else None
    prompt = str(image.inputs.get("prompt", "")) if image is not None else ""
    history = list(takes.inputs.get("history", [])) if takes is not None else []
    out = []
    for s in (takes.inputs.get("candidates", []) if takes is not None else []):
        entry = cache.lock.artifacts.get(f"ep{number:03d}/candidate/{shot_id}/{s}")
        path = cache.output_path(entry.outputs[0]) if entry is not None and entry.outputs else None
        out.append(Take(int(s), path if path is not None and path.is_file() else None, s == seed))
    return ShotTakes(number, shot_id, seed, prompt, history, out)


def _record(cache: Cache, number: int, shot_id: str, *, history: list[int], candidates: list[int],
            picked: bool = False) -> None:
    _, takes_name = _names(number, shot_id)
    cache.record(takes_name, "takes", "", [], inputs={"history": history, "candidates": candidates})
    if picked:  # the episode's picture changed: whatever recorded it as up to date no longer holds
        cache.forget(f"ep{number:03d}/fresh")
    cache.save_lock()


def _need_generative(project: Project, number: int) -> None:
    if not generative(project.settings):
        raise InputError("the pictures are drawn by image:comic, which has no randomness: there are no other "
                         f"takes to draw. Change the shot's size, angle or expression in boards/ep{number:03d}.yaml "
                         "instead, or set [providers] image to a generative provider",
                         path=project.root / "reelwright.toml")
    if number not in project.episodes:
        raise InputError(f"no script for episode {number}; have {sorted(project.episodes)}")


def make_candidates(project: Project, number: int, which: str, count: int, cache: Cache) -> list[Take]:
    """Draw ``count`` new takes of one shot's still (new random seeds), cached and kept; returns them."""
    _need_generative(project, number)
    if not 1 <= count <= MAX_CANDIDATES:
        raise InputError(f"count: between 1 and {MAX_CANDIDATES} candidates at a time")
    board, _ = derive_board(project, number, cache)
    shot = find_shot(board, which)
    settings = project.settings
    maker = MediaMaker(project.root, project.bible, settings, cache, Ledger(project.build_dir / "ledger.jsonl",
                                                                             settings))
    people = list(dict.fromkeys([*shot.subjects]))
    fronts = {name: maker.reference_job(name, "front", None).path for name in people}
    missing = [n for n, p in fronts.items() if p is None]
    if missing:
        raise InputError(f"build episode {number} first: the reference sheets of {', '.join(missing)} are not made "
                         "yet, and every take of this shot is drawn from them")
    base = maker.still_job(number, shot, fronts)
    current = shot_takes(project, number, shot.id, cache)
    taken = {t.seed for t in current.candidates} | ({current.seed} if current.seed is not None else set())
    seeds: list[int] = []
    while len(seeds) < count:
        s = secrets.randbelow(2**32)
        if s not in taken and s not in seeds:
            seeds.append(s)
    tag = f"ep{number:03d}"
    jobs = [maker.job("image", f"{tag}/{shot.id} take {s}", f"{tag}/candidate/{shot.id}/{s}", s,
                       base.request.model_copy(update={"seed": s})) for s in seeds]
    try:
        maker.run(jobs, f"{tag} {shot.id} candidates")
    finally:
        made = [j.seed for j in jobs if j.path is not None]
        _record(cache, number, shot.id, history=current.history,
                candidates=[t.seed for t in current.candidates] + made)
    failed = [j for j in jobs if j.path is None]
    if failed:
        raise BuildError(f"{len(failed)} of {count} candidate(s) not made: {failed[0].error}")
    return [Take(j.seed, j.path, False) for j in jobs]


def pick_take(project: Project, number: int, which: str, seed: int | None, cache: Cache) -> int:
    """Make ``seed`` (a candidate's, or a new random one when None) the shot's picture from the next build on;
    the seed it replaces is kept for :func:`revert_take`. Returns the new seed."""
    _need_generative(project, number)
    board, _ = derive_board(project, number, cache)
    shot = find_shot(board, which)
    before = shot_takes(project, number, shot.id, cache)
    if seed is not None and seed == before.seed:
        return seed
    image_name, _ = _names(number, shot.id)
    old = cache.lock.artifacts.get(image_name)
    _, new = redo_shot(project, number, shot.id, cache, seed=seed)
    history = before.history + ([old.seed] if old is not None and isinstance(old.seed, int) else [])
    _record(cache, number, shot.id, history=history[-20:], candidates=[t.seed for t in before.candidates],
            picked=True)
    return new


def revert_take(project: Project, number: int, which: str, cache: Cache) -> int:
    """Go back to the take picked before the current one; returns its seed."""
    _need_generative(project, number)
    board, _ = derive_board(project, number, cache)
    shot = find_shot(board, which)
    before = shot_takes(project, number, shot.id, cache)
    if not before.history:
        raise InputError(f"shot {shot.id} has no earlier take to go back to")
    previous = before.history[-1]
    if previous == before.seed:
        _record(cache, number, shot.id, history=before.history[:-1], candidates=[t.seed for t in before.candidates])
        return previous
    redo_shot(project, number, shot.id, cache, seed=previous)
    _record(cache, number, shot.id, history=before.history[:-1], candidates=[t.seed for t in before.candidates],
            picked=True)
    return previous

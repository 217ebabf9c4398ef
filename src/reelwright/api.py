"""The public Python API: what the CLI, the studio and a notebook call.

Every call takes a project (a :class:`Project` or its folder), returns a typed result and reports progress as
:class:`Event` s to ``on_event`` instead of printing. Long calls take a :class:`CancelToken`: ``cancel()`` from
another thread stops them at the next line, shot or episode with :class:`Cancelled`; finished work stays cached
and the next call resumes. Calls that write build products (build, redo, localise, deliver, export) hold the
project's :class:`ProjectLock`, shared with every other process: a second one gets :class:`ProjectBusy` naming
the holder. Edits (a line of dialogue, a shot field, a character) are written to ``scripts/``, ``boards/`` and
``bible.yaml`` exactly as a hand edit would be, after validation (:class:`InputError` otherwise, nothing
written); they need no lock, so an edit made during a build is saved and picked up by the next build.

>>> from reelwright import api as rw
>>> project = rw.open_project("my-series")                     # doctest: +SKIP
>>> report = rw.build(project, "1", on_event=print)            # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reelwright.build.pipeline import BuildPlan, BuildReport, plan_build
from reelwright.build.pipeline import build as _pipeline_build
from reelwright.check.report import CheckItem, CheckResult, check_episode
from reelwright.deliver.package import DeliverReport, deliver_project
from reelwright.documents.approval import Approval
from reelwright.documents.base import atomic_write_text
from reelwright.documents.storyboard import Shot, Storyboard
from reelwright.errors import Cancelled, InputError, ProjectBusy
from reelwright.export import ExportReport, export_project
from reelwright.localise.job import LocaliseReport, localise_project
from reelwright.lockfile import ProjectLock
from reelwright.progress import CancelToken, Event, EventSink, reporting
from reelwright.project.cache import Cache
from reelwright.project.edits import Edit, edit_character, edit_line, edit_shot
from reelwright.project.folder import Project, parse_episode_spec
from reelwright.project.review import approve as _approve
from reelwright.project.review import approved_episodes
from reelwright.project.review import unapprove as _unapprove
from reelwright.stages.board import derive_board
from reelwright.stages.images import find_shot
from reelwright.stages.takes import ShotTakes, Take, make_candidates, pick_take, revert_take, shot_takes

__all__ = [
    "open_project", "plan", "build", "redo_shot", "board", "change_line", "change_shot", "change_character",
    "check", "localise", "deliver", "export", "takes", "candidates", "pick", "revert", "approve", "unapprove",
    "approved", "Approval", "Take", "ShotTakes",
    "Project", "BuildPlan", "BuildReport", "RedoResult", "Edit", "CheckItem", "CheckResult", "LocaliseReport",
    "DeliverReport", "ExportReport", "Event", "EventSink", "CancelToken", "Cancelled", "ProjectBusy", "ProjectLock",
    "InputError", "check_path", "saved_check",
]

ProjectLike = Project | str | Path


def open_project(root: str | Path) -> Project:
    """Load and validate a project folder (every problem in every file at once, as :class:`InputError`)."""
    return Project.load(root)


def _project(project: ProjectLike) -> Project:
    return project if isinstance(project, Project) else Project.load(project)


def _reload(project: Project) -> Project:
    """The project as the files now say (after an edit, or when another process changed them)."""
    return Project.load(project.root)


def _numbers(project: Project, episodes: str | int | list[int] | None) -> list[int]:
    if isinstance(episodes, int):
        episodes = [episodes]
    if isinstance(episodes, list):
        return parse_episode_spec(",".join(str(n) for n in episodes), list(project.episodes))
    return parse_episode_spec(episodes, list(project.episodes))


# ---- checks ------------------------------------------------------------------------------------

def check_path(project: Project, number: int) -> Path:
    """Where the last self-check of an episode is kept (``build/epNNN.check.json``)."""
    return project.build_dir / f"ep{number:03d}.check.json"


def _save_checks(project: Project, results: list[CheckResult]) -> None:
    for r in results:
        text = r.model_dump_json(indent=1) + "\n"
        path = check_path(project, r.episode)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            atomic_write_text(path, text)


def saved_check(project: Project, number: int) -> CheckResult | None:
    """The episode's last self-check (made by the last build or check), or None."""
    path = check_path(project, number)
    try:
        return CheckResult.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def check(project: ProjectLike, episodes: str | int | list[int] | None = None, *,
          on_event: EventSink | None = None) -> list[CheckResult]:
    """The self-check of the built episodes (delivery rules and the edit's craft); saved beside each episode."""
    project = _project(project)
    numbers = _numbers(project, episodes)
    out = []
    with reporting(on_event):
        for done, n in enumerate(numbers, 1):
            result = check_episode(project, n)
            _save_checks(project, [result])
            out.append(result)
            if on_event is not None:
                on_event(Event("check", f"ep{n:03d}", done, len(numbers)))
    return out


# ---- build -------------------------------------------------------------------------------------

def plan(project: ProjectLike, episodes: str | int | list[int] | None = None) -> BuildPlan:
    """What a build of ``episodes`` would call per provider, what is cached and what it would cost (a dry run:
    makes no call and writes nothing)."""
    project = _project(project)
    return plan_build(project, _numbers(project, episodes))


def build(project: ProjectLike, episodes: str | int | list[int] | None = None, *, workers: int | None = None,
          executor: str | None = None, address: str | None = None, on_event: EventSink | None = None,
          cancel: CancelToken | None = None, command: str = "build (Python API)",
          draft: bool = False) -> BuildReport:
    """Build ``episodes`` (default: all) incrementally under the project lock; ends with the self-check, whose
    results are in ``report.checks`` and saved as ``build/epNNN.check.json``. ``draft``: a quick preview in
    ``build/draft/`` (see :func:`reelwright.build.pipeline.build`), not self-checked, never delivered."""
    project = _project(project)
    numbers = _numbers(project, episodes)
    with ProjectLock(project.root, command):
        report = _pipeline_build(project, numbers, workers=workers, quiet=on_event is None, executor=executor,
                                 address=address, on_event=on_event, cancel=cancel, draft=draft)
        _save_checks(project, report.checks)
    return report


# ---- boards, redo ------------------------------------------------------------------------------

def board(project: ProjectLike, episode: int) -> Storyboard:
    """The episode's storyboard as the next build will use it (derived from the script, your edits merged);
    writes nothing."""
    project = _project(project)
    if episode not in project.episodes:
        raise InputError(f"no script for episode {episode}; have {sorted(project.episodes)}")
    return derive_board(project, episode, Cache(project.cache_dir, project.lock_path))[0]


@dataclass(frozen=True)
class RedoResult:
    episode: int
    shot: Shot
    seed: int
    report: BuildReport | None  # None when asked not to build


def redo_shot(project: ProjectLike, episode: int, shot: str | int, *, seed: int | None = None,
              rebuild: bool = True, workers: int | None = None, on_event: EventSink | None = None,
              cancel: CancelToken | None = None, command: str = "redo (Python API)") -> RedoResult:
    """Give one shot's generated picture a new seed (random unless given; kept in ``reelwright.lock`` so later
    builds reproduce it) and, unless ``rebuild=False``, rebuild its episode: only that picture, its clip and its
    segment are made again. Needs a generative ``[providers] image`` (image:comic has nothing random)."""
    project = _project(project)
    with ProjectLock(project.root, command):
        cache = Cache(project.cache_dir, project.lock_path)
        new_seed = pick_take(project, episode, str(shot), seed, cache)
        picked = find_shot(derive_board(project, episode, cache)[0], str(shot))
        report = None
        if rebuild:
            report = build(project, [episode], workers=workers, on_event=on_event, cancel=cancel, command=command)
    return RedoResult(episode, picked, new_seed, report)


def takes(project: ProjectLike, episode: int, shot: str | int) -> ShotTakes:
    """The shot's picture takes: the seed the next build uses, the seeds picked before, the candidates made."""
    project = _project(project)
    cache = Cache(project.cache_dir, project.lock_path)
    return shot_takes(project, episode, find_shot(board(project, episode), str(shot)).id, cache)


def candidates(project: ProjectLike, episode: int, shot: str | int, count: int = 4, *,
               on_event: EventSink | None = None, cancel: CancelToken | None = None,
               command: str = "candidates (Python API)") -> list[Take]:
    """Draw ``count`` new takes of one shot's generated picture (kept in the cache; pick one with :func:`pick`).
    Needs the episode built once (its characters' reference sheets)."""
    project = _project(project)
    with ProjectLock(project.root, command), reporting(on_event, cancel):
        return make_candidates(project, episode, str(shot), count, Cache(project.cache_dir, project.lock_path))


def pick(project: ProjectLike, episode: int, shot: str | int, seed: int, *,
         command: str = "pick (Python API)") -> int:
    """Use the take with ``seed`` for this shot from the next build on (recorded in reelwright.lock)."""
    project = _project(project)
    with ProjectLock(project.root, command):
        return pick_take(project, episode, str(shot), int(seed), Cache(project.cache_dir, project.lock_path))


def revert(project: ProjectLike, episode: int, shot: str | int, *, command: str = "revert (Python API)") -> int:
    """Go back to the take this shot had before the last pick or redo; returns its seed."""
    project = _project(project)
    with ProjectLock(project.root, command):
        return revert_take(project, episode, str(shot), Cache(project.cache_dir, project.lock_path))


# ---- approval ----------------------------------------------------------------------------------

def approve(project: ProjectLike, episode: int, by: str, note: str = "") -> Approval:
    """Approve the episode as built now (who, when, which build) in ``approvals.yaml``. An edit of its script
    or board after this marks it changed since approval."""
    return _approve(_project(project), episode, by, note)


def unapprove(project: ProjectLike, episode: int) -> bool:
    return _unapprove(_project(project), episode)


def approved(project: ProjectLike) -> list[int]:
    """Episodes approved and unchanged since (what ``deliver --approved`` delivers)."""
    return approved_episodes(_project(project))


# ---- user edits --------------------------------------------------------------------------------

def change_line(project: ProjectLike, episode: int, line: int, text: str) -> Edit:
    """Change the words of dialogue line ``line`` (0-based, in the episode) in its script file."""
    return edit_line(_project(project), episode, line, text)


def change_shot(project: ProjectLike, episode: int, shot: str | int, field: str | dict[str, Any],
                value: Any = None) -> Edit | list[Edit]:
    """Set one field of one shot (``size``, ``move``, ``angle``, ``expressions.MAYA``, …) in ``boards/``, or
    several at once given a dict (saved once, all checked first). ``shot`` is its id (``s02-d01``) or its
    1-based position."""
    project = _project(project)
    changes = field if isinstance(field, dict) else {field: value}
    edits = edit_shot(project, board(project, episode), shot, changes)
    return edits if isinstance(field, dict) else edits[0]


def change_character(project: ProjectLike, name: str, field: str | dict[str, Any], value: Any = None
                     ) -> Edit | list[Edit]:
    """Set one field of a character in ``bible.yaml`` (``voice.pitch``, ``look.options.hairColor``, …), or
    several given a dict."""
    changes = field if isinstance(field, dict) else {field: value}
    edits = edit_character(_project(project), name, changes)
    return edits if isinstance(field, dict) else edits[0]


# ---- derived products --------------------------------------------------------------------------

def localise(project: ProjectLike, languages: str | list[str], episodes: str | int | list[int] | None = None, *,
             dub: bool = False, provider: str | None = None, workers: int | None = None,
             on_event: EventSink | None = None, cancel: CancelToken | None = None,
             command: str = "localise (Python API)") -> LocaliseReport:
    """Translated subtitle tracks (and with ``dub`` dubbed versions) in ``build/localise/<lang>/``."""
    project = _project(project)
    spec = ",".join(map(str, _numbers(project, episodes)))
    with ProjectLock(project.root, command), reporting(on_event, cancel):
        return localise_project(project, languages, spec, dub=dub, provider=provider, workers=workers,
                                quiet=on_event is None)


def deliver(project: ProjectLike, episodes: str | int | list[int] | None = None, *,
            languages: str | list[str] | None = None, dub: str | list[str] | None = None,
            provider: str | None = None, workers: int | None = None, approved_only: bool = False,
            on_event: EventSink | None = None, cancel: CancelToken | None = None,
            command: str = "deliver (Python API)") -> DeliverReport:
    """The distribution package of each episode and ``build/deliver/manifest.json``; with ``approved_only``
    only the episodes approved and unchanged since."""
    project = _project(project)
    numbers = _numbers(project, episodes)
    if approved_only:
        ok = set(approved_episodes(project))
        numbers = [n for n in numbers if n in ok]
        if not numbers:
            raise InputError("no approved episode to deliver (approve episodes in the studio or with "
                             "reelwright.api.approve; an edit after approval needs a new approval)",
                             path=project.root / "approvals.yaml")
    spec = ",".join(map(str, numbers))
    with ProjectLock(project.root, command), reporting(on_event, cancel):
        return deliver_project(project, spec, languages=languages, dub=dub, provider=provider, workers=workers,
                               quiet=on_event is None)


def export(project: ProjectLike, formats: str | list[str] = "otio", episodes: str | int | list[int] | None = None,
           *, out_dir: str | Path | None = None, relative: bool = False, workers: int | None = None,
           on_event: EventSink | None = None, cancel: CancelToken | None = None,
           command: str = "export (Python API)") -> ExportReport:
    """Editor timelines (OTIO, FCP7 XML, FCPXML, EDL) of each episode in ``build/export/``."""
    project = _project(project)
    spec = ",".join(map(str, _numbers(project, episodes)))
    with ProjectLock(project.root, command), reporting(on_event, cancel):
        return export_project(project, formats, spec, out_dir=Path(out_dir) if out_dir else None,
                              relative=relative, workers=workers, quiet=on_event is None)

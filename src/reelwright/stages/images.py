"""Generated pictures and clips: reference sheets, one still per shot, one clip per shot (image-to-video).

Used when ``[providers] image`` is a generative provider (not the drawn ``comic``).

* **Reference sheets first**: per character on screen in the episodes being
  built, a front face, each ``[images] expressions`` face and a full figure,
  prompted from the bible (look description, wardrobe, age, gender); the
  expressions and the full figure are conditioned on the front face. They are
  kept where a user can look at them: ``build/refs/<character>/<view>.png``.
* **Per shot**: a request from the subjects' looks and expressions, the shot
  size and angle, the location (interior/exterior, day/night) and the
  ``[images] style``; the subjects' front faces ride along as references
  (primary subject first) for providers that condition on them.
* **Seeds**: derived from episode + shot id (+ ``[images] seed``), unless the
  lock holds one for that picture (``reelwright redo`` writes a new one there);
  the lock records provider, seed and key of every picture.
* **Calls**: only uncached requests, ``provider.concurrency`` at a time, each
  recorded in the ledger and checked against the budget. One failure does not
  lose the others (they are cached); the stage then fails naming the shots, and
  a re-run sends only what failed.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from reelwright.documents.bible import Bible, Character
from reelwright.documents.breakdown import Wardrobe, Wear
from reelwright.documents.storyboard import Shot, Storyboard
from reelwright.documents.timeline import MediaFile, ShotMedia
from reelwright.errors import BudgetError, BuildError, InputError, ProviderError
from reelwright.media.frames import MOVE_MARGIN
from reelwright.progress import Progress
from reelwright.project.cache import Cache, make_key
from reelwright.project.ledger import Ledger
from reelwright.project.settings import Settings
from reelwright.providers.base import (
    ClipRequest,
    ImageProvider,
    ImageRequest,
    JobJournal,
    VideoProvider,
)
from reelwright.providers.registry import get_provider
from reelwright.stages.board import derive_board
from reelwright.fsutil import atomic_write_bytes, file_sha256, safe_name

__all__ = ["MediaMaker", "SIZE_PHRASES", "ANGLE_PHRASES", "character_prompt", "shot_prompt", "derive_seed",
           "still_size", "refs_dir", "redo_shot", "find_shot", "generative", "Job"]

SIZE_PHRASES = {
    "ECU": "extreme close-up of the face, eyes and mouth filling the frame",
    "CU": "close-up of the face",
    "MCU": "medium close-up, head and shoulders",
    "MS": "medium shot, from the waist up",
    "WS": "wide shot, full figures in their surroundings",
    "EWS": "extreme wide establishing shot of the place",
    "2S": "two-shot, both characters in frame",
    "OTS": "over-the-shoulder shot",
    "INSERT": "insert shot, close detail of an object",
    "POV": "point-of-view shot",
}
ANGLE_PHRASES = {
    "eye": "eye-level camera",
    "high": "high angle looking down",
    "low": "low angle looking up",
    "dutch": "dutch angle, tilted horizon",
}
EXPRESSION_PHRASES = {
    "neutral": "a neutral expression",
    "happy": "smiling warmly",
    "sad": "sad, eyes glistening",
    "angry": "angry, brows drawn, jaw set",
    "surprised": "surprised, eyes wide, lips parted",
    "afraid": "afraid, tense, eyes darting",
    "cold": "a cold, contemptuous look",
}
MOVE_PHRASES = {
    "static": "", "push_in": "slow push in", "pull_out": "slow pull out", "pan_left": "slow pan left",
    "pan_right": "slow pan right", "tilt_up": "slow tilt up", "tilt_down": "slow tilt down",
    "shake": "handheld shake",
}


def generative(settings: Settings) -> bool:
    """True when the pictures are generated (any image provider but the drawn comic)."""
    return settings.providers.image != "comic"


def derive_seed(base: int, *parts: str) -> int:
    digest = hashlib.sha256(":".join([str(base), *parts]).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big")


def still_size(settings: Settings) -> tuple[int, int]:
    """The size asked for a shot's still: ``[images] width/height``, else the frame × the largest camera-move
    margin (so a push-in never upscales), rounded up to a multiple of 16."""

    im, v = settings.images, settings.video
    margin = max(MOVE_MARGIN.values())
    w = im.width or v.width * margin
    h = im.height or (im.width * v.height / v.width if im.width else v.height * margin)
    return int(math.ceil(w / 16) * 16), int(math.ceil(h / 16) * 16)


def refs_dir(root: Path, name: str) -> Path:
    """``build/refs/<name>``: the character's name made a safe file name (names are data, never paths)."""
    return Path(root) / "build" / "refs" / safe_name(name)


def character_prompt(name: str, c: Character | None, wears: str = "") -> str:
    """A character as words for a picture model: age and gender, the bible's look, what they wear (the
    scene's costume from the breakdown, ``wears``, before the bible's wardrobe)."""
    if c is None:
        return f"{name}, wearing {wears}" if wears else name
    who = {"female": "woman", "male": "man"}.get(c.gender, "person")
    head = f"a {c.age}-year-old {who}" if c.age else f"a {who}"
    shown = name.title() if name.isascii() and name.isupper() else name  # MAYA is a script's caps, not a sign
    parts = [f"{shown}, {head}"]
    look = c.look.description or c.description
    if look:
        parts.append(look.strip().rstrip("."))
    if wears or c.wardrobe:
        parts.append(f"wearing {(wears or c.wardrobe[0]).strip().rstrip('.')}")
    return ", ".join(parts)


def _location(shot: Shot, bible: Bible) -> str:
    loc = bible.location(shot.location) if shot.location else None
    where = (loc.description if loc and loc.description else shot.location) or ""
    inside = "interior" if shot.interior else "exterior"
    when = "night" if shot.night else "day"
    return ", ".join(p for p in (f"{inside} {when}", where.strip().rstrip(".")) if p)


def shot_prompt(shot: Shot, bible: Bible, settings: Settings, wear: dict[str, Wear] | None = None) -> str:
    """The picture prompt of one shot: style, framing (size and angle), subjects (look, expression, side,
    the costume ``wear`` gives them in the shot's scene), location, the object of an insert."""
    parts = [settings.images.style.strip().rstrip("."),
             f"{SIZE_PHRASES.get(shot.size, shot.size)}, {ANGLE_PHRASES.get(shot.angle, shot.angle)}"]
    people = []
    for name, side in zip(shot.subjects, _screen_sides(shot)):
        desc = character_prompt(name, bible.character(name), (wear or {}).get(name, Wear()).wears)
        mood = EXPRESSION_PHRASES.get(shot.expressions.get(name, "neutral"), "a neutral expression")
        people.append(f"{desc}, {mood}" + (f", {side}" if side else ""))
    if people:
        parts.append("; ".join(people))
    if shot.size == "INSERT" and shot.text:
        parts.append(f"showing {shot.text.strip().rstrip('.')}")
    elif shot.props:
        parts.append("with " + ", ".join(shot.props))
    parts.append(_location(shot, bible))
    parts.append("vertical 9:16 composition")
    return ". ".join(p for p in parts if p)


def _screen_sides(shot: Shot) -> list[str]:
    """Where each subject stands, in words: the board's sides when they tell people apart, otherwise the
    subjects' order (left to right), as the drawn stills place them."""
    n = len(shot.subjects)
    if n < 2:
        return [""] * n
    given = [shot.sides.get(name) for name in shot.subjects]
    if all(given) and len(set(given)) == n:
        return [f"on the {g}" if g != "center" else "in the middle" for g in given]
    return ["on the left" if i == 0 else "on the right" if i == n - 1 else "in the middle" for i in range(n)]


def _primary_first(shot: Shot) -> list[str]:
    names = list(dict.fromkeys(shot.subjects))
    if shot.speaker in names:
        names.remove(shot.speaker)
        names.insert(0, shot.speaker)
    return names


@dataclass
class Job:
    """One picture or clip to have (made, or found in the cache)."""

    stage: str  # "image" or "clip"
    what: str  # ledger and error label: ref/MAYA/front, ep001/s02-d01
    lock: str  # lock entry: ref/MAYA/front, ep001/image/s02-d01, ep001/clip/s02-d01
    seed: int
    request: ImageRequest | ClipRequest | None  # None: depends on a picture not made yet (a dry run)
    key: str | None = None
    seconds: float = 0.0  # media seconds expected (clips)
    path: Path | None = None  # where it is, once made or found
    error: str | None = None
    sheet: tuple[str, str] | None = None  # a reference sheet's (character, view)


@dataclass
class ShotJobs:
    episode: int
    shot: Shot
    frames: int
    still: Job
    clip: Job | None = None


@dataclass
class MediaPlan:
    """What the media stage would do: every job, cached or not (for the dry run and the budget)."""

    refs: list[Job] = field(default_factory=list)
    shots: list[ShotJobs] = field(default_factory=list)

    def jobs(self) -> list[Job]:
        out = list(self.refs) + [s.still for s in self.shots] + [s.clip for s in self.shots if s.clip]
        return out


class MediaMaker:
    """Makes (or finds in the cache) the reference sheets, stills and clips of a build."""

    def __init__(self, root: Path, bible: Bible, settings: Settings, cache: Cache, ledger: Ledger | None = None,
                 *, quiet: bool = True, dry: bool = False, wardrobe: dict[int, Wardrobe] | None = None) -> None:

        self.root, self.bible, self.settings, self.cache, self.ledger = Path(root), bible, settings, cache, ledger
        self.wardrobe = wardrobe or {}  # episode → scene → character → costume (breakdown.yaml)
        self.quiet, self.dry = quiet, dry
        name = settings.providers.image
        image = get_provider(f"image:{name}", settings.provider_options("image", name), root=self.root)
        if not isinstance(image, ImageProvider):
            raise ProviderError(f"image:{name} cannot generate pictures ([providers] image); use 'comic' for the "
                                "drawn stills or a generative provider such as 'openai' or 'comfyui'")
        self.image = image
        self.image_spec = f"image:{name}"
        self.video: VideoProvider | None = None
        self.video_spec = ""
        if settings.providers.video:
            vname = settings.providers.video
            video = get_provider(f"video:{vname}", settings.provider_options("video", vname), root=self.root)
            if not isinstance(video, VideoProvider):
                raise ProviderError(f"video:{vname} is not an image-to-video provider ([providers] video)")
            self.video, self.video_spec = video, f"video:{vname}"
        if not dry:
            journal = JobJournal(cache.root / "jobs")
            self.image.journal = journal
            if self.video is not None:
                self.video.journal = journal
        self._image_identity = self.image.identity()
        self._video_identity = self.video.identity() if self.video is not None else None

    # ---- keys, cache, seeds ------------------------------------------------------------------
    def key(self, stage: str, request: ImageRequest | ClipRequest) -> str:
        ident = self._image_identity if stage == "image" else self._video_identity
        return make_key(stage, {"request": request.cache_inputs(), "provider": ident})

    def cached(self, stage: str, key: str | None) -> Path | None:
        if key is None:
            return None
        meta = self.cache.read_json(stage, key)
        if meta is None:
            return None
        path = self.cache.path(stage, key, meta.get("suffix", ".png"))
        return path if path.is_file() else None

    def seed(self, lock: str, *parts: str) -> int:
        """The lock's seed for this picture when it was chosen under the current ``[images] seed``, else a
        seed derived from ``parts``."""
        base = self.settings.images.seed
        entry = self.cache.lock.artifacts.get(lock)
        if entry is not None and isinstance(entry.seed, int) and entry.inputs.get("seed_base", 0) == base:
            return entry.seed
        return derive_seed(base, *parts)

    def job(self, stage: str, what: str, lock: str, seed: int, request, seconds: float = 0.0) -> Job:
        """A job for ``request`` (found in the cache when it was made before)."""
        return self._job(stage, what, lock, seed, request, seconds)

    def _job(self, stage: str, what: str, lock: str, seed: int, request, seconds: float = 0.0) -> Job:
        job = Job(stage, what, lock, seed, request, seconds=seconds)
        if request is not None:
            job.key = self.key(stage, request)
            job.path = self.cached(stage, job.key)
        return job

    # ---- planning ----------------------------------------------------------------------------
    def characters(self, boards: list[Storyboard]) -> list[str]:
        """Characters on screen in ``boards``: bible order first, then the others as they appear."""
        seen = list(dict.fromkeys(n for b in boards for s in b.shots for n in s.subjects))
        order = [c.name for c in self.bible.characters if c.name in seen]
        return order + [n for n in seen if n not in order]

    def views(self) -> list[str]:
        return ["front", *[e for e in self.settings.images.expressions if e != "front"], "full"]

    def reference_job(self, name: str, view: str, front: Path | None) -> Job:
        c = self.bible.character(name)
        size = self.settings.images.reference_size
        look = character_prompt(name, c)
        style = self.settings.images.style.strip().rstrip(".")
        if view == "front":
            prompt = f"{style}. Character reference: front view portrait of {look}, neutral expression, " \
                     "looking straight at the camera, plain light grey background, even studio light"
            w, h, refs = size, size, ()
        elif view == "full":
            prompt = f"{style}. Character reference: full-length figure of {look}, standing, head to toe, " \
                     "plain light grey background, even studio light"
            w, h, refs = size, int(math.ceil(size * 1.5 / 16) * 16), (front,)
        else:
            mood = EXPRESSION_PHRASES.get(view, view)
            prompt = f"{style}. Character reference: portrait of {look}, {mood}, plain light grey background"
            w, h, refs = size, size, (front,)
        lock = f"ref/{name}/{view}"
        seed = self.seed(lock, "ref", name, view)
        request = None
        if all(r is not None for r in refs):
            request = ImageRequest(purpose="reference", prompt=prompt, negative_prompt=self.settings.images.negative,
                                   width=w, height=h, seed=seed, references=tuple(str(r) for r in refs))
        job = self._job("image", lock, lock, seed, request)
        job.sheet = (name, view)
        return job

    def wear(self, episode: int, shot: Shot) -> dict[str, Wear]:
        """What the shot's characters wear in its scene (empty without a breakdown)."""
        return self.wardrobe.get(episode, {}).get(shot.scene, {})

    def still_job(self, episode: int, shot: Shot, fronts: dict[str, Path | None]) -> Job:
        tag = f"ep{episode:03d}"
        lock = f"{tag}/image/{shot.id}"
        seed = self.seed(lock, tag, shot.id)
        names = _primary_first(shot)
        refs = [fronts.get(n) for n in names]
        request = None
        if all(r is not None for r in refs):
            w, h = still_size(self.settings)
            prompt = shot_prompt(shot, self.bible, self.settings, self.wear(episode, shot))
            request = ImageRequest(purpose="shot", prompt=prompt,
                                   negative_prompt=self.settings.images.negative, width=w, height=h, seed=seed,
                                   references=tuple(str(r) for r in refs))
        return self._job("image", f"{tag}/{shot.id}", lock, seed, request)

    def clip_seconds(self, frames: int, fps: int) -> float:
        return float(min(math.ceil(frames / fps - 1e-9), self.settings.images.clip_seconds))

    def clip_job(self, episode: int, shot: Shot, frames: int, still: Path | None) -> Job:
        tag = f"ep{episode:03d}"
        lock = f"{tag}/clip/{shot.id}"
        seed = self.seed(lock, "clip", tag, shot.id)
        v = self.settings.video
        seconds = self.clip_seconds(frames, v.fps)
        request = None
        if still is not None:
            motion = ", ".join(p for p in (self.settings.images.motion, MOVE_PHRASES.get(shot.move, "")) if p)
            prompt = shot_prompt(shot, self.bible, self.settings, self.wear(episode, shot))
            request = ClipRequest(prompt=f"{prompt}. {motion}",
                                  negative_prompt=self.settings.images.negative, image=str(still), seconds=seconds,
                                  fps=v.fps, width=v.width, height=v.height, seed=seed)
        return self._job("clip", f"{tag}/{shot.id}", lock, seed, request, seconds=seconds)

    def plan(self, cuts: list[tuple[int, Storyboard, list[int]]]) -> MediaPlan:
        """Every job of a build (``cuts``: episode number, board, frames of each shot), as far as it can be
        known without making anything: a job whose input picture is not made yet has no request."""
        plan = MediaPlan()
        fronts: dict[str, Path | None] = {}
        for name in self.characters([b for _, b, _ in cuts]):
            front = self.reference_job(name, "front", None)
            plan.refs.append(front)
            fronts[name] = front.path
            plan.refs += [self.reference_job(name, v, front.path) for v in self.views()[1:]]
        for number, board, frames in cuts:
            for shot, n in zip(board.shots, frames):
                still = self.still_job(number, shot, fronts)
                clip = self.clip_job(number, shot, n, still.path) if self.video is not None else None
                plan.shots.append(ShotJobs(number, shot, n, still, clip))
        return plan

    # ---- making ------------------------------------------------------------------------------
    def make(self, cuts: list[tuple[int, Storyboard, list[int]]]) -> dict[int, dict[str, ShotMedia]]:
        """Reference sheets, then stills, then clips for every shot of ``cuts``; episode → shot id → media.
        Raises :class:`BuildError` naming what failed after everything else is made and cached."""
        boards = [b for _, b, _ in cuts]
        names = self.characters(boards)
        # 1. front faces, then the rest of each sheet (conditioned on the front)
        fronts = [self.reference_job(n, "front", None) for n in names]
        self._run(fronts, "reference sheets (front)")
        front_of = {n: j.path for n, j in zip(names, fronts)}
        others = [self.reference_job(n, v, front_of[n]) for n in names for v in self.views()[1:]
                  if front_of[n] is not None]
        self._run(others, "reference sheets")
        self._publish_refs(fronts + others)
        failed = [j for j in fronts + others if j.path is None]
        # 2. a still per shot (shots whose references failed wait for the next run)
        shots = []
        for number, board, frames in cuts:
            for shot, n in zip(board.shots, frames):
                shots.append(ShotJobs(number, shot, n, self.still_job(number, shot, front_of)))
        self._run([s.still for s in shots if s.still.request is not None], "shot stills")
        # 3. a clip per shot from its still
        if self.video is not None:
            for s in shots:
                if s.still.path is not None:
                    s.clip = self.clip_job(s.episode, s.shot, s.frames, s.still.path)
            self._run([s.clip for s in shots if s.clip is not None], "shot clips")
        failed += [s.still for s in shots if s.still.path is None]
        failed += [s.clip for s in shots if s.clip is not None and s.clip.path is None]
        if failed:
            self.cache.save_lock()
            over = [j for j in failed if j.error and j.error.startswith("BudgetError")]
            listing = "; ".join(f"{j.what} ({j.error or 'waits for its reference sheet'})" for j in failed[:12])
            more = f"; and {len(failed) - 12} more" if len(failed) > 12 else ""
            cls = BudgetError if over else BuildError
            raise cls(f"{len(failed)} picture(s)/clip(s) not made: {listing}{more}. Everything else is cached; "
                      "run the build again to make only these")
        out: dict[int, dict[str, ShotMedia]] = {}
        for s in shots:
            media = ShotMedia(still=self._media_file(s.still, self.image_spec))
            if s.clip is not None:
                media = media.model_copy(update={"clip": self._media_file(s.clip, self.video_spec)})
            out.setdefault(s.episode, {})[s.shot.id] = media
        return out

    def _media_file(self, job: Job, spec: str) -> MediaFile:
        return MediaFile(file=str(job.path), sha256=_sha(job.path), provider=spec, seed=job.seed, key=job.key)

    def _record(self, job: Job, spec: str) -> None:
        inputs = {"seed_base": self.settings.images.seed, "prompt": job.request.prompt}
        self.cache.record(job.lock, job.stage, job.key, [str(job.path)], provider=spec, seed=job.seed,
                          inputs=inputs)

    def run(self, jobs: list[Job], label: str) -> None:
        """Make the uncached ``jobs`` (a build's, or a shot's candidate takes); failures are noted on the jobs."""
        self._run(jobs, label)

    def _run(self, jobs: list[Job], label: str) -> None:
        """Make the uncached ``jobs`` (``concurrency`` at a time); failures are noted on the jobs."""
        if not jobs:
            return
        stage = jobs[0].stage
        provider = self.image if stage == "image" else self.video
        spec = self.image_spec if stage == "image" else self.video_spec
        todo: dict[str, list[Job]] = {}
        for job in jobs:
            if job.path is None:
                job.path = self.cached(stage, job.key)
            if job.path is None:
                todo.setdefault(job.key, []).append(job)
            else:
                self._record(job, spec)
        if not todo:
            return

        def one(group: list[Job]) -> None:
            job = group[0]
            try:
                path = self._call(provider, spec, job)
            except Exception as exc:  # noqa: BLE001 - every failure is reported with the shot it hit
                for j in group:
                    j.error = f"{type(exc).__name__}: {exc}"
                return
            for j in group:
                j.path = path
                self._record(j, spec)

        workers = max(1, min(provider.concurrency, len(todo)))
        with Progress(label, len(todo), enabled=not self.quiet) as bar, \
                ThreadPoolExecutor(max_workers=workers) as pool:
            for fut in as_completed([pool.submit(one, g) for g in todo.values()]):
                fut.result()
                bar.advance()

    def _call(self, provider, spec: str, job: Job) -> Path:
        def go():
            if job.stage == "image":
                return provider.generate(job.request, key=job.key)
            return provider.animate(job.request, key=job.key)

        if self.ledger is not None:
            with self.ledger.call(spec, job.what, job.key, job.seconds) as call:
                made = go()
                call.done(made.seconds)
        else:
            made = go()
        suffix = made.suffix if made.suffix.startswith(".") else f".{made.suffix}"
        path = self.cache.write_bytes(job.stage, job.key, suffix, made.data)
        self.cache.write_json(job.stage, job.key, {"suffix": suffix, "seconds": made.seconds,
                                                   "meta": _jsonable(made.meta)})
        self.cache.did(job.stage)
        return path

    def _publish_refs(self, jobs: list[Job]) -> None:
        """Copy the reference sheets to ``build/refs/<character>/<view>.<ext>`` for people to look at."""

        for job in jobs:
            if job.path is None or job.sheet is None:
                continue
            name, view = job.sheet
            view = view if re.fullmatch(r"[a-z][a-z0-9_]{0,31}", view) else safe_name(view)
            dest = refs_dir(self.root, name) / f"{view}{job.path.suffix}"
            data = job.path.read_bytes()
            if not dest.is_file() or dest.read_bytes() != data:
                for old in dest.parent.glob(f"{view}.*"):
                    old.unlink(missing_ok=True)
                atomic_write_bytes(dest, data)


def _jsonable(value):
    import json  # noqa: PLC0415

    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return {k: str(v) for k, v in dict(value).items()} if isinstance(value, dict) else str(value)


_SHA: dict[tuple[str, float, int], str] = {}


def _sha(path: Path) -> str:
    st = path.stat()
    key = (str(path), st.st_mtime, st.st_size)
    if key not in _SHA:
        _SHA[key] = file_sha256(path)
    return _SHA[key]


# ---- redo ----------------------------------------------------------------------------------

def find_shot(board: Storyboard, which: str) -> Shot:
    """A shot by 1-based position in the board (``12``) or by id (``s02-d03``)."""
    which = which.strip()
    if which.isdigit():
        n = int(which)
        if not 1 <= n <= len(board.shots):
            raise InputError(f"episode {board.episode} has {len(board.shots)} shots; no shot {n}")
        return board.shots[n - 1]
    for shot in board.shots:
        if shot.id == which:
            return shot
    ids = ", ".join(s.id for s in board.shots[:8]) + (", …" if len(board.shots) > 8 else "")
    raise InputError(f"episode {board.episode} has no shot {which!r} (shots: {ids}); give a 1-based position or "
                     "an id from boards/")


def redo_shot(project, number: int, which: str, cache: Cache, *, seed: int | None = None) -> tuple[Shot, int]:
    """Give one shot's still a new seed (random unless given), written to the lock; the next build of the
    episode makes that picture (and its clip) again and re-renders only what shows it."""

    settings = project.settings
    if not generative(settings):
        raise InputError("the pictures are drawn by image:comic, which has no randomness: the same shot always "
                         "draws the same picture, so there is nothing to redo. Change the shot in "
                         f"boards/ep{number:03d}.yaml (size, angle, expressions, move) and build, or set "
                         "[providers] image to a generative provider", path=project.root / "reelwright.toml")
    if number not in project.episodes:
        raise InputError(f"no script for episode {number}; have {sorted(project.episodes)}")
    board, _ = derive_board(project, number, cache)
    shot = find_shot(board, which)
    lock = f"ep{number:03d}/image/{shot.id}"
    entry = cache.lock.artifacts.get(lock)
    old = entry.seed if entry is not None else None
    new = seed if seed is not None else secrets.randbelow(2**32)
    while new == old:
        new = secrets.randbelow(2**32)
    outputs = entry.outputs if entry is not None else []
    cache.record(lock, "image", entry.key if entry is not None else "", outputs,
                 provider=f"image:{settings.providers.image}", seed=new,
                 inputs={"seed_base": settings.images.seed, "redo": True})
    cache.save_lock()
    return shot, new

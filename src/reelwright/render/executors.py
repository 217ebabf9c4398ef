"""Where shots render: local worker processes (the default) or Ray tasks on a cluster.

An executor takes render jobs (a self-contained shot spec and the cache path its segment belongs at) and
makes each segment exist at its path, written atomically (a temp file renamed into place), calling
``on_done`` as each one finishes. When some shots fail the others still finish and stay cached, then a
:class:`~reelwright.errors.BuildError` names the failed shots; a rebuild renders only those.

:class:`RayExecutor` runs one Ray task per shot. The task gets the spec and the bytes of every file the
spec names (``{"file": path, "sha256": hex}`` dicts: generated stills and clips), so workers need no
shared storage; it returns the encoded segment's bytes and the head writes them into its own cache. The
segment is the same, byte for byte, as a local render: the spec fixes x264's thread count
(``[render] threads``), and each task checks that its worker has the same versions of the packages that
draw and encode as the head.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from concurrent.futures import (
    FIRST_COMPLETED,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import cv2

from reelwright.children import die_with_parent
from reelwright.errors import BuildError, InputError
from reelwright.fsutil import atomic_write_bytes, bytes_sha256, file_sha256
from reelwright.project.cache import Cache
from reelwright.render.shots import (
    prepare_planes,
    render_shot,
    render_to_cache,
    segment_key,
)

__all__ = ["Executor", "LocalExecutor", "RayExecutor", "RenderJob", "make_executor", "pack_files",
           "unpack_files", "RENDER_PACKAGES"]

# The distributions whose code decides a segment's bytes: a Ray worker must have the head's versions.
RENDER_PACKAGES = ("reelwright", "av", "numpy", "opencv-python-headless", "pillow", "scipy", "resvg-py",
                   "dicebear-core", "dicebear-styles", "manimgx-fonts-cjk")


@dataclass(frozen=True)
class RenderJob:
    """One shot to render: its spec and the cache path its segment goes to."""

    spec: dict
    path: Path

    @property
    def shot(self) -> str:
        return str(self.spec.get("id", "?"))


class Executor(ABC):
    """Renders :class:`RenderJob` s into their cache paths."""

    name = ""

    @abstractmethod
    def run(self, jobs: list[RenderJob], on_done: Callable[[RenderJob], None]) -> None:
        """Render every job's segment to ``job.path``; ``on_done(job)`` as each finishes. A failed shot does
        not stop the others; afterwards a :class:`BuildError` names every failed shot."""


def make_executor(kind: str = "local", *, workers: int = 0, address: str = "", ray_cpus: float = 2.0) -> Executor:
    """The executor named ``kind`` (``local`` or ``ray``)."""
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "ray":
        return RayExecutor(address, num_cpus=ray_cpus)
    raise BuildError(f"unknown executor {kind!r}: expected local or ray")


def _raise_failures(failures: list[tuple[RenderJob, BaseException]]) -> None:
    if not failures:
        return
    job, first = failures[0]
    why = f"{type(first).__name__}: {first}"
    if len(failures) == 1:
        msg = f"shot {job.shot} failed to render: {why}"
    else:
        ids = ", ".join(j.shot for j, _ in failures)
        msg = f"{len(failures)} shots failed to render ({ids}); shot {job.shot}: {why}"
    err = BuildError(msg + " (the shots that rendered are cached; fix it and build again)")
    err.shots = [j.shot for j, _ in failures]  # type: ignore[attr-defined]
    raise err from first


def write_segment(path: Path, data: bytes) -> Path:
    """Write a segment's bytes to ``path`` atomically: a temp file beside it, renamed into place."""
    return atomic_write_bytes(path, data)


# ---- local processes ---------------------------------------------------------------------------

@contextmanager
def one_drawing_thread() -> Iterator[None]:
    """OpenCV draws on the calling thread only, inside the block.

    While shots render, x264's threads already keep every core busy: OpenCV's own pool on the same cores
    only adds handovers and spinning (measured: 9–14% more CPU to draw the same stills)."""
    before = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


def _worker_start(parent: int) -> None:
    die_with_parent(parent)
    cv2.setNumThreads(1)  # a render process: see one_drawing_thread


class LocalExecutor(Executor):
    """``workers`` processes on this machine (0 = one per two cores); with one, shots render in this
    process while a helper thread draws the next shot's stills.

    ``profile``: a list that gets, per shot rendered in this process (one worker), the seconds spent
    preparing it (stills and text), warping, blending text, fading, converting clip frames, in the
    encoder, and waiting for the helper thread, with its frame count and the frames reused as they were."""

    name = "local"

    def __init__(self, workers: int = 0, *, profile: list[dict] | None = None) -> None:
        self.workers = workers
        self.profile = profile

    def run(self, jobs: list[RenderJob], on_done: Callable[[RenderJob], None]) -> None:
        if not jobs:
            return
        for job in jobs:
            job.path.parent.mkdir(parents=True, exist_ok=True)
        cores = os.cpu_count() or 1
        # Default: one process per two cores. x264 already keeps two cores busy with its own threads,
        # so on a 2-core laptop a second process only doubles memory; on bigger machines it pays off.
        workers = 1 if self.profile is not None else max(1, min(self.workers or max(1, cores // 2), len(jobs)))
        failures: list[tuple[RenderJob, BaseException]] = []
        if workers == 1:
            # Draw the next shot's stills on a helper thread while this shot encodes (x264 and the
            # drawing libraries release the GIL), so the encoder is not left idle between shots.
            timed = self.profile is not None

            def prepare(job: RenderJob):
                return prepare_planes(job.spec, {"shot": job.shot} if timed else None)  # type: ignore[dict-item]

            with one_drawing_thread(), ThreadPoolExecutor(max_workers=1) as drawer:
                ahead = drawer.submit(prepare, jobs[0])
                for n, job in enumerate(jobs):
                    current = ahead
                    ahead = drawer.submit(prepare, jobs[n + 1]) if n + 1 < len(jobs) else None
                    try:
                        t0 = time.perf_counter()
                        frames = current.result()
                        waited = time.perf_counter() - t0
                        render_to_cache(job.spec, str(job.path), 0, frames)
                    except Exception as exc:  # noqa: BLE001 - reported with the shot id below
                        failures.append((job, exc))
                        continue
                    if self.profile is not None:
                        self.profile.append({**frames.times, "wait": waited})
                    on_done(job)
        else:
            threads = max(1, cores // workers)  # only for specs that do not fix their own
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_start,
                                     initargs=(os.getpid(),)) as pool:
                pending = {pool.submit(render_to_cache, job.spec, str(job.path), threads): job for job in jobs}
                try:
                    while pending:
                        done, _ = wait(pending, return_when=FIRST_COMPLETED)
                        for fut in done:
                            job = pending.pop(fut)
                            try:
                                fut.result()
                            except Exception as exc:  # noqa: BLE001 - reported with the shot id below
                                failures.append((job, exc))
                                continue
                            on_done(job)
                except BaseException:
                    for fut in pending:
                        fut.cancel()
                    raise
        _raise_failures(failures)


# ---- files that travel with a spec -------------------------------------------------------------

def _is_file_ref(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("file"), str) and isinstance(value.get("sha256"), str)


def _walk_refs(value: Any):
    if _is_file_ref(value):
        yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk_refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk_refs(v)


def pack_files(spec: dict) -> dict[str, Path]:
    """Every file a spec names (``{"file", "sha256"}`` dicts, at any depth): sha256 → path on this machine.

    Each file is checked against its hash here, before any work is sent: a file changed or gone since the
    spec was made is an :class:`InputError` naming it."""
    out: dict[str, Path] = {}
    for ref in _walk_refs(spec):
        sha, path = ref["sha256"].lower(), Path(ref["file"])
        if sha in out:
            continue
        if not path.is_file():
            raise InputError(f"{path} is gone (needed by shot {spec.get('id', '?')}); build again to remake it",
                             path=path)
        if file_sha256(path) != sha:
            raise InputError(f"{path} changed since shot {spec.get('id', '?')} was planned (sha256 differs); "
                             "build again", path=path)
        out[sha] = path
    return out


def unpack_files(spec: dict, blobs: dict[str, bytes], folder: Path) -> dict:
    """A copy of ``spec`` whose file references point at ``blobs`` written into ``folder`` (named by
    content, the original suffix kept); every blob is checked against its hash."""
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, str] = {}

    def local(sha: str, original: str) -> str:
        if sha not in written:
            data = blobs.get(sha)
            if data is None:
                raise BuildError(f"{original} did not travel with the task (sha256 {sha[:12]}…)")
            if bytes_sha256(data) != sha:
                raise BuildError(f"{original} arrived damaged (sha256 differs)")
            target = folder / f"{sha}{Path(original).suffix}"
            target.write_bytes(data)
            written[sha] = str(target)
        return written[sha]

    def rewrite(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: rewrite(v) for k, v in value.items()}
            if _is_file_ref(value):
                out["file"] = local(value["sha256"].lower(), value["file"])
            return out
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        return value

    return rewrite(spec)


# ---- Ray ---------------------------------------------------------------------------------------

def render_versions() -> dict[str, str | None]:
    """Versions of :data:`RENDER_PACKAGES` installed here (None: not installed)."""
    out: dict[str, str | None] = {}
    for name in RENDER_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _ray_render(spec: dict, versions: dict[str, str | None], shas: list[str], *blobs: bytes) -> bytes:
    """The Ray task: render one shot on a worker and return the segment's bytes."""
    import socket  # noqa: PLC0415


    here = render_versions()
    differ = {k: (v, here.get(k)) for k, v in versions.items() if here.get(k) != v}
    if differ:
        what = ", ".join(f"{k} {theirs or 'missing'} (head: {ours or 'missing'})"
                         for k, (ours, theirs) in sorted(differ.items()))
        raise BuildError(f"Ray worker {socket.gethostname()} has {what}: install the head's versions on every "
                         "worker so shots encode to the same bytes")
    with tempfile.TemporaryDirectory(prefix="reelwright-shot-") as tmp:
        local = unpack_files(spec, dict(zip(shas, blobs)), Path(tmp) / "in")
        out = Path(tmp) / "segment.mp4"
        render_shot(local, out)
        return out.read_bytes()


def _import_ray():
    try:
        import ray  # noqa: PLC0415
    except ImportError:
        raise BuildError("the ray executor needs Ray: pip install 'reelwright[ray]' (on the head and on every "
                         "worker)") from None
    return ray


class RayExecutor(Executor):
    """One Ray task per shot on the cluster at ``address``.

    ``address``: ``""`` or ``"local"`` starts a Ray instance on this machine for this render (and stops it
    after); anything else is handed to ``ray.init`` (``auto``, ``head:6379``, ``ray://head:10001``). When
    this process is already connected to Ray (``ray.init`` was called), that connection is used as it is.
    ``num_cpus``: CPUs Ray reserves for each task."""

    name = "ray"

    def __init__(self, address: str = "", *, num_cpus: float = 2.0, init_options: dict | None = None) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.init_options = dict(init_options or {})

    def _connect(self, ray) -> bool:
        """Connect (or start a local instance); True when this call did, so :meth:`run` disconnects after."""
        if ray.is_initialized():
            return False
        options: dict[str, Any] = {"logging_level": logging.WARNING, **self.init_options}
        if self.address in ("", "local"):
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # offline by default: no usage reports
            options.setdefault("include_dashboard", False)
            address = "local"
        else:
            address = self.address
        try:
            ray.init(address=address, **options)
        except Exception as exc:  # noqa: BLE001 - Ray raises ConnectionError, RuntimeError, ValueError, …
            what = "start a Ray instance here" if address == "local" else f"reach the Ray cluster at {address!r}"
            raise BuildError(f"cannot {what}: {exc}") from exc
        return True

    def run(self, jobs: list[RenderJob], on_done: Callable[[RenderJob], None]) -> None:
        if not jobs:
            return
        ray = _import_ray()
        packed = [pack_files(job.spec) for job in jobs]  # every file checked before anything is sent
        started = self._connect(ray)
        pending: dict[Any, RenderJob] = {}
        try:
            cpus = self.num_cpus
            if started and self.address in ("", "local"):  # our own instance here: a task must fit on it
                cpus = min(cpus, float(ray.cluster_resources().get("CPU", 1)))
            # Tasks in flight at once: enough to keep every CPU busy (and an autoscaler asking for more),
            # few enough that the stills and clips sent with them do not pile up in the object store.
            window = max(16, int(4 * ray.cluster_resources().get("CPU", 1) / cpus))
            task = ray.remote(_ray_render)
            versions = render_versions()
            uses = Counter(sha for files in packed for sha in files)
            blobs: dict[str, Any] = {}  # sha256 → object ref: a still two shots share travels once
            queue = iter(zip(jobs, packed))

            def submit() -> bool:
                item = next(queue, None)
                if item is None:
                    return False
                job, files = item
                shas = sorted(files)
                for sha in shas:
                    if sha not in blobs:
                        blobs[sha] = ray.put(files[sha].read_bytes())
                ref = task.options(num_cpus=cpus, name=f"reelwright shot {job.shot}").remote(
                    job.spec, versions, shas, *[blobs[sha] for sha in shas])
                for sha in shas:  # the task holds its own reference; drop ours after the last user
                    uses[sha] -= 1
                    if not uses[sha]:
                        del blobs[sha]
                pending[ref] = job
                return True

            while len(pending) < window and submit():
                pass
            failures: list[tuple[RenderJob, BaseException]] = []
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                for ref in ready:
                    job = pending.pop(ref)
                    try:
                        data = ray.get(ref)
                    except ray.exceptions.RayTaskError as exc:
                        failures.append((job, _cause(exc)))
                    except ray.exceptions.RayError as exc:  # worker died, task cancelled, object lost, …
                        failures.append((job, exc))
                    else:
                        write_segment(job.path, data)
                        on_done(job)
                    while len(pending) < window and submit():
                        pass
            _raise_failures(failures)
        except BaseException:
            for ref in pending:
                ray.cancel(ref)
            raise
        finally:
            if started:
                ray.shutdown()


def _cause(exc: BaseException) -> BaseException:
    """The exception a Ray task raised (without Ray's wrapping), when it could be rebuilt on the head."""
    cause = getattr(exc, "cause", None)
    return cause if isinstance(cause, BaseException) else exc


def render_segments(specs: list[dict], cache: Cache, *, name: str = "", workers: int = 0,
                    on_done: Callable[[int], None] | None = None, names: list[str] | None = None,
                    executor: Executor | None = None) -> list[Path]:
    """Make sure every spec has its segment in the cache; returns the segment paths in order.

    ``executor`` renders the missing ones (default: :class:`~reelwright.render.executors.LocalExecutor` with
    ``workers`` processes); when some shots fail the others are still cached, then a ``BuildError`` names them.

    ``name`` prefixes each shot's lock entry (``names`` gives one prefix per spec, when the specs come from
    several episodes)."""
    keys = [segment_key(spec) for spec in specs]
    paths = [cache.path("shot", k, ".mp4") for k in keys]
    todo = [(spec, p) for spec, p in zip(specs, paths) if not p.is_file()]
    todo = list({str(p): (s, p) for s, p in todo}.values())  # identical shots render once
    for _, p in todo:
        p.parent.mkdir(parents=True, exist_ok=True)

    def done(job: RenderJob) -> None:
        cache.did("render")
        if on_done:
            on_done(1)

    (executor or LocalExecutor(workers)).run([RenderJob(spec, p) for spec, p in todo], done)
    for spec, key, prefix in zip(specs, keys, names or [name] * len(specs)):
        cache.record(f"{prefix}shot/{spec['id']}", "render", key, [str(cache.path('shot', key, '.mp4'))],
                     # drawn stills: the comic provider; generated ones have their own lock entries
                     provider=(spec["still"].get("image") or {}).get("provider"), seed=spec["seed"])
    return paths

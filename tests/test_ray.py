"""The Ray executor against a Ray instance this module starts on loopback: the same bytes as a local build,
files that travel with their shot, a failed shot named while the others stay cached."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from reelwright.build.pipeline import build
from reelwright.errors import BuildError, InputError
from reelwright.project.cache import Cache
from reelwright.project.folder import Project
from reelwright.project.settings import Settings
from reelwright.render.executors import (
    LocalExecutor,
    RayExecutor,
    RenderJob,
    pack_files,
    unpack_files,
)
from tests.helpers import tiny_specs, write_tiny_project

SCRIPT = """Title: Test
Episode: 1

INT. KITCHEN - NIGHT

MAYA stares at the envelope.

MAYA
He said he would never come back.

LEO
(coldly)
I lied to you.

EXT. PARK - DAY

LEO waits by the bench.

LEO
She will come.
"""

# a single-machine instance: no usage reports, every address on loopback (Ray's switch for a one-node
# "cluster" that listens on 127.0.0.1 only); the CLI test's subprocess inherits it
RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


@pytest.fixture(scope="module")
def ray_address():
    """One Ray instance (2 CPUs) for the module, in this process; its GCS address."""
    import logging

    saved = {k: os.environ.get(k) for k in RAY_ENV}
    os.environ.update(RAY_ENV)
    ray = pytest.importorskip("ray")
    from ray._private import ray_constants

    assert not ray_constants.ENABLE_RAY_CLUSTER, "ray was imported before the loopback switch was set"
    temp = tempfile.mkdtemp(prefix="rw-ray-")  # short: Ray's socket paths must fit in 107 characters
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING, _temp_dir=temp)
    try:
        address = ray.get_runtime_context().gcs_address
        assert address.startswith("127.0.0.1:"), address
        yield address
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _tree(root: Path, pattern: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.rglob(pattern))}


@pytest.mark.slow
def test_ray_build_is_byte_identical_to_local(ray_address, tmp_path):
    """The CLI with --executor ray --address (a second driver joining the cluster) makes the same episode
    and shot segments, byte for byte, as a local build; a rebuild with Ray has nothing to do.

    The Ray build starts from a copy of the local project with its voices and mix (Piper's voices carry
    random noise, so two fresh builds differ in their audio already) but without any picture."""
    local = write_tiny_project(tmp_path / "local", SCRIPT)
    report = build(Project.load(local), quiet=True)
    shots = report.work["render"]
    assert shots >= 4
    remote = tmp_path / "remote"
    shutil.copytree(local, remote)
    shutil.rmtree(remote / "build" / "cache" / "shot")
    (remote / "build" / "ep001.mp4").unlink()

    env = {**os.environ, **RAY_ENV}
    cmd = [sys.executable, "-m", "reelwright", "build", str(remote), "--executor", "ray", "--address", ray_address,
           "--quiet"]
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert f"rebuilt: render {shots}, assemble 1" in run.stdout  # no voice, no mix: only the pictures

    a = _tree(local / "build" / "cache" / "shot", "*.mp4")
    b = _tree(remote / "build" / "cache" / "shot", "*.mp4")
    assert len(a) == shots and a.keys() == b.keys()
    assert all(a[k] == b[k] for k in a)  # every segment, byte for byte
    assert (local / "build" / "ep001.mp4").read_bytes() == (remote / "build" / "ep001.mp4").read_bytes()
    assert not list((remote / "build").rglob("*.tmp"))

    again = build(Project.load(remote), quiet=True, executor="ray")  # this process's Ray connection
    assert again.nothing_done


@pytest.mark.slow
def test_a_still_file_travels_with_its_shot(ray_address, tmp_path):
    """A spec naming a generated still ({"file", "sha256"}) renders on a Ray worker from the shipped bytes
    (the head's file is deleted before the later tasks start) to the same segment as a local render."""
    import cv2

    from reelwright.providers.base import file_sha256

    specs = tiny_specs()
    rng = np.random.default_rng(7)
    stills = []
    for n, spec in enumerate(specs):
        img = cv2.resize(rng.integers(0, 255, (8, 5, 3), dtype=np.uint8), (270, 480), interpolation=cv2.INTER_CUBIC)
        path = tmp_path / "stills" / f"shot{n}.png"
        path.parent.mkdir(exist_ok=True)
        cv2.imwrite(str(path), img)
        stills.append(path)
        spec["still"] = {"file": str(path), "sha256": file_sha256(path), "shot": spec["still"]["shot"]}
    specs[2]["prev"]["still"] = dict(specs[1]["still"])  # the dissolve names the previous shot's still too
    assert len(pack_files(specs[2])) == 2

    here = [RenderJob(s, tmp_path / "local" / f"{s['id']}.mp4") for s in specs]
    LocalExecutor(1).run(here, lambda job: None)

    seen = []

    def done(job: RenderJob) -> None:
        seen.append(job.shot)
        if len(seen) == 1:  # tasks run one at a time (2 CPUs, 2 a task): the rest must use shipped bytes
            shutil.rmtree(tmp_path / "stills")

    there = [RenderJob(s, tmp_path / "ray" / f"{s['id']}.mp4") for s in specs]
    RayExecutor(num_cpus=2).run(there, done)
    assert sorted(seen) == sorted(s["id"] for s in specs)
    for a, b in zip(here, there):
        assert a.path.read_bytes() == b.path.read_bytes()


def test_unpack_rewrites_paths_and_checks_hashes(tmp_path):
    src = tmp_path / "a.png"
    src.write_bytes(b"picture")
    sha = hashlib.sha256(b"picture").hexdigest()
    spec = {"id": "s1", "still": {"file": str(src), "sha256": sha, "shot": {"id": "s1"}},
            "prev": {"clip": {"file": str(src), "sha256": sha, "fit": "hold"}}}
    assert pack_files(spec) == {sha: src}
    local = unpack_files(spec, {sha: b"picture"}, tmp_path / "worker")
    assert local["still"]["file"] == local["prev"]["clip"]["file"] == str(tmp_path / "worker" / f"{sha}.png")
    assert Path(local["still"]["file"]).read_bytes() == b"picture"
    assert local["prev"]["clip"]["fit"] == "hold" and spec["still"]["file"] == str(src)  # input untouched
    with pytest.raises(BuildError, match="damaged"):
        unpack_files(spec, {sha: b"pictur3"}, tmp_path / "w2")
    src.write_bytes(b"changed")
    with pytest.raises(InputError, match="changed since shot s1"):
        pack_files(spec)
    src.unlink()
    with pytest.raises(InputError, match="gone"):
        pack_files(spec)


@pytest.mark.slow
def test_a_failed_shot_is_named_and_the_others_stay_cached(ray_address, tmp_path):
    from reelwright.render.executors import render_segments

    specs = tiny_specs()
    specs[1]["still"]["shot"]["size"] = "GIANT"  # the worker's Shot model rejects it
    cache = Cache(tmp_path / "cache")
    with pytest.raises(BuildError, match=r"shot s01-02 failed to render: ValidationError") as info:
        render_segments(specs, cache, executor=RayExecutor(num_cpus=1))
    assert info.value.shots == ["s01-02"]
    assert cache.work["render"] == 2
    assert len(list((tmp_path / "cache" / "shot").rglob("*.mp4"))) == 2
    assert not list((tmp_path / "cache").rglob("*.tmp"))


@pytest.mark.slow
def test_without_ray_the_error_names_the_extra(tmp_path):
    code = ("import sys; sys.modules['ray'] = None\n"
            "from reelwright.render.executors import RayExecutor, RenderJob\n"
            "from reelwright.errors import BuildError\n"
            "try:\n"
            "    RayExecutor().run([RenderJob({'id': 'x'}, __import__('pathlib').Path('x.mp4'))], print)\n"
            "except BuildError as exc:\n"
            "    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert "pip install 'reelwright[ray]'" in out.stdout, out.stderr


@pytest.mark.slow
def test_shots_encode_to_the_same_bytes_in_process_and_in_a_pool(tmp_path):
    """The spec fixes x264's thread count ([render] threads), so where a shot encodes (this process, a worker
    process on a machine with other cores, a Ray worker) no longer changes its bytes."""
    specs = tiny_specs()
    assert {s["encoder"]["threads"] for s in specs} == {Settings().render.threads}
    one = [RenderJob(s, tmp_path / "one" / f"{s['id']}.mp4") for s in specs]
    pool = [RenderJob(s, tmp_path / "pool" / f"{s['id']}.mp4") for s in specs]
    LocalExecutor(1).run(one, lambda job: None)
    LocalExecutor(2).run(pool, lambda job: None)
    assert [j.path.read_bytes() for j in one] == [j.path.read_bytes() for j in pool]


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="Ray is the optional extra reelwright[ray]")
def test_address_local_starts_and_stops_its_own_instance(tmp_path):
    """--address local (or empty): a Ray instance on this machine for the render, stopped after; a task asks
    for no more CPUs than the instance has (here 1, below [render] ray_cpus)."""
    temp = tempfile.mkdtemp(prefix="rw-ray-")
    code = f"""
import ray
from pathlib import Path
from reelwright.render.executors import RayExecutor, RenderJob
from tests.helpers import tiny_specs
jobs = [RenderJob(s, Path({str(tmp_path)!r}) / (s["id"] + ".mp4")) for s in tiny_specs()]
done = []
RayExecutor("local", num_cpus=2, init_options={{"num_cpus": 1, "_temp_dir": {temp!r}}}).run(jobs, done.append)
print(len(done), ray.is_initialized())
"""
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                             env={**os.environ, **RAY_ENV}, cwd=Path(__file__).parents[1])
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    assert out.stdout.split() == ["3", "False"], out.stderr[-3000:]
    assert len(list(tmp_path.glob("*.mp4"))) == 3


def test_a_worker_with_other_versions_refuses_to_render():
    from reelwright.render.executors import _ray_render, render_versions

    versions = {**render_versions(), "av": "0.0.1"}
    with pytest.raises(BuildError, match=r"has av \S+ \(head: 0\.0\.1\): install the head's versions"):
        _ray_render(tiny_specs()[0], versions, [])


@pytest.mark.slow
def test_the_docs_settings_validate():
    import re
    import tomllib

    text = (Path(__file__).resolve().parents[1] / "docs" / "scale.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, re.S)
    assert len(blocks) == 2
    for block in blocks:
        Settings.model_validate(tomllib.loads(block))

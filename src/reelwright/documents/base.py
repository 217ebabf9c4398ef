"""Document base class, versioned loading with upgrades, located validation errors, atomic writes."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from reelwright.errors import ConfigError, InputError, Problem

__all__ = [
    "Document",
    "Model",
    "upgrader",
    "load_document",
    "save_document",
    "atomic_write_bytes",
    "atomic_write_text",
    "read_text",
    "parse_yaml",
    "validation_problems",
    "node_line",
]

D = TypeVar("D", bound="Document")

_UPGRADES: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}


class Model(BaseModel):
    """Strict base for every nested model: unknown keys are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_enum_values=True)


class Document(Model):
    """A top-level document with a schema version.

    ``KIND`` names the document; ``VERSION`` is the current schema version.
    Loading an older version runs the registered upgraders in order.
    """

    KIND: ClassVar[str] = "document"
    VERSION: ClassVar[int] = 1

    schema_version: int = 1

    def model_post_init(self, __context: Any) -> None:  # noqa: D401 - pydantic hook
        if self.schema_version != self.VERSION:
            object.__setattr__(self, "schema_version", self.VERSION)

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        version = int(data.get("schema_version", 1) or 1)
        if version > cls.VERSION:
            raise ValueError(
                f"{cls.KIND} schema_version {version} is newer than this reelwright understands "
                f"({cls.VERSION}); upgrade reelwright"
            )
        while version < cls.VERSION:
            step = _UPGRADES.get((cls.KIND, version))
            if step is None:
                raise ValueError(f"no upgrade for {cls.KIND} from schema_version {version}")
            data = step(dict(data))
            version += 1
            data["schema_version"] = version
        return data


def upgrader(kind: str, from_version: int) -> Callable[[Callable[[dict], dict]], Callable[[dict], dict]]:
    """Register ``fn(data) -> data`` upgrading a ``kind`` document from ``from_version`` to the next."""

    def register(fn: Callable[[dict], dict]) -> Callable[[dict], dict]:
        _UPGRADES[(kind, from_version)] = fn
        return fn

    return register


def read_text(path: Path) -> str:
    """Read a user file as UTF-8 (BOM tolerated), with a located error for bad bytes."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", path=path, line=line
        ) from None
    return text


# libyaml's safe loader and dumper where PyYAML was built with it (its wheels are): the same documents, ~10× faster
# on a season's lock file
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def parse_yaml(text: str, path: Path | str | None) -> tuple[Any, yaml.Node | None]:
    """Parse YAML, returning the data and the node tree (for line numbers)."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (libyaml's where available)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(f"invalid YAML: {exc.problem or exc}", path=path, line=line) from None
    return data, node


def node_line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Line of the YAML node reached by following ``loc`` (a pydantic error location)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if str(k.value) == str(key):
                    node = v
                    line = k.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def validation_problems(
    exc: ValidationError, path: Path | str | None, node: yaml.Node | None = None, line_of: Callable | None = None
) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        where = ".".join(str(p) for p in loc) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        line = line_of(loc) if line_of else node_line(node, loc)
        problems.append(Problem(path, line, f"{where}: {msg}"))
    return problems


def load_document(path: Path, cls: type[D]) -> D:
    """Load a YAML or JSON document, upgrading old versions; errors name file and line."""
    path = Path(path)
    text = read_text(path)
    data, node = parse_yaml(text, path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"expected a mapping at the top of the {cls.KIND} file", path=path, line=1)
    try:
        data = cls.upgrade(data)
    except ValueError as exc:
        raise ConfigError(str(exc), path=path, line=node_line(node, ("schema_version",))) from None
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems=validation_problems(exc, path, node)) from None


def dump_document(doc: Document, fmt: str = "yaml") -> str:
    data = doc.model_dump(mode="json", exclude_none=True)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=100)


def save_document(doc: Document, path: Path) -> bool:
    """Write atomically; returns False (and writes nothing) when the content is unchanged."""
    path = Path(path)
    text = dump_document(doc, "json" if path.suffix == ".json" else "yaml")
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    atomic_write_text(path, text)
    return True


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename: never a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))

"""Document base class, versioned loading with upgrades, located validation errors, atomic writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from reelwright.errors import ConfigError, InputError, Problem
from reelwright.fsutil import atomic_write_bytes, atomic_write_text, read_user_bytes
from reelwright.limits import MAX_DOCUMENT_BYTES, MAX_YAML_DEPTH

__all__ = [
    "Document",
    "Model",
    "upgrader",
    "load_document",
    "load_own_document",
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


def read_text(path: Path, *, limit: int = MAX_DOCUMENT_BYTES, root: Path | None = None) -> str:
    """Read a user file as UTF-8 (BOM tolerated), with a located error for bad bytes. Only a regular file of at
    most ``limit`` bytes is read (and, given the project ``root``, only one inside it)."""
    raw = read_user_bytes(path, limit, root)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", path=path, line=line
        ) from None
    return text


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses nesting deeper than :data:`~reelwright.limits.MAX_YAML_DEPTH` (5000 ``[`` would
    otherwise end in a RecursionError)."""

    _depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _TooDeep(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _duplicate_keys(node: yaml.Node | None, path: Path | str | None) -> list[Problem]:
    """A key given twice in one mapping: YAML would keep the last silently; we say so."""
    problems: list[Problem] = []
    todo = [node] if node is not None else []
    while todo:
        n = todo.pop()
        if isinstance(n, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    if k.value in seen:
                        problems.append(Problem(path, k.start_mark.line + 1, f"key {k.value!r} is given twice (first "
                                                f"at line {seen[k.value]}); keep one"))
                    else:
                        seen[k.value] = k.start_mark.line + 1
                todo += [k, v]
        elif isinstance(n, yaml.SequenceNode):
            todo += n.value
    problems.sort(key=lambda p: p.line or 0)
    return problems


# libyaml's safe loader and dumper where PyYAML was built with it (its wheels are): the same documents, ~10× faster
# on a season's lock file
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _depth_bound(text: str) -> int:
    """An upper bound of the document's nesting depth, in one pass over the text: a line's indentation (in
    characters, never fewer than its levels), its compact block indicators (``- - x``) and the flow brackets open
    at it. Above the limit, the exact (slower) loader decides."""
    flow = worst = 0
    for line in text.split("\n"):
        body = line.lstrip(" ")
        compact = len(body) - len(body.lstrip("-?: "))
        flow += line.count("[") + line.count("{")
        worst = max(worst, len(line) - len(body) + compact + flow)
        flow = max(flow - line.count("]") - line.count("}"), 0)
    return worst


def parse_yaml(text: str, path: Path | str | None) -> tuple[Any, yaml.Node | None]:
    """Parse YAML, returning the data and the node tree (for line numbers). Duplicate keys, nesting deeper than
    :data:`~reelwright.limits.MAX_YAML_DEPTH` and documents over the size limit are errors."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise ConfigError(f"file is {len(text)} characters; the limit is {MAX_DOCUMENT_BYTES}", path=path)
    # libyaml where the text is surely shallow (a season's lock in a blink); the depth-counting composer otherwise
    loader = _Loader(text) if _depth_bound(text) > MAX_YAML_DEPTH else _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            problems = _duplicate_keys(node, path)
            if problems:
                raise ConfigError(problems=problems)
        data = loader.construct_document(node) if node is not None else None
    except _TooDeep as exc:
        raise ConfigError(f"YAML nested deeper than {MAX_YAML_DEPTH} levels", path=path, line=exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(f"invalid YAML: {exc.problem or exc}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", path=path) from None
    finally:
        loader.dispose()
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


def load_document(path: Path, cls: type[D], *, root: Path | None = None, text: str | None = None,
                  parsed: tuple[Any, yaml.Node | None] | None = None) -> D:
    """Load a YAML or JSON document, upgrading old versions; errors name file and line. Given the project
    ``root``, a file that leads outside it is refused. ``text`` and ``parsed`` (:func:`parse_yaml`'s answer)
    spare a caller that already holds them a second read and parse."""
    path = Path(path)
    if parsed is None:
        text = read_text(path, root=root) if text is None else text
        parsed = parse_yaml(text, path)
    data, node = parsed
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


def load_own_document(path: Path, cls: type[D]) -> D:
    """A document reelwright writes itself and reads back often (the lock): parsed by libyaml alone, without the
    node tree kept for line numbers; anything unexpected falls back to :func:`load_document` and its located
    errors."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        try:
            data = json.loads(text)  # how reelwright writes them (JSON is YAML too, for older readers)
        except ValueError:
            data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader; an older YAML lock
        return cls.model_validate(cls.upgrade(data))
    except Exception:  # noqa: BLE001 - the careful path below reports what is wrong, with its line
        return load_document(path, cls)


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

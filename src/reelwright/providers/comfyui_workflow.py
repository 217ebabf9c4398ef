"""ComfyUI API-format workflows: load, find and fill ``{{placeholders}}`` / ``params`` paths, pick outputs.

Used by :mod:`reelwright.providers.comfyui`; no network here.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Literal

from reelwright.errors import ConfigError, InputError, ProviderError
from reelwright.fsutil import read_user_bytes
from reelwright.limits import MAX_DOCUMENT_BYTES

__all__ = ["load_workflow", "placeholders", "wanted", "fill_workflow", "fit_size", "output_files", "PARAM_NAME"]

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
PARAM_NAME = re.compile(r"^(prompt|negative_prompt|seed|width|height|seconds|frames|fps|image[0-9]*)$")
_IMAGE_EXT = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"})
_VIDEO_EXT = frozenset({".mp4", ".webm", ".mov", ".mkv", ".m4v", ".gif", ".webp"})

def load_workflow(path: Path, setting: str) -> dict[str, Any]:
    """An API-format workflow from ``path``; a UI-format file or bad JSON raises :class:`ConfigError`."""
    if not path.exists():
        raise ConfigError(f"ComfyUI workflow not found; check workflow in {setting}", path=path)
    try:
        text = read_user_bytes(path, MAX_DOCUMENT_BYTES, what="ComfyUI workflow").decode("utf-8")
    except InputError as exc:  # a FIFO, a device, a folder, too big
        raise ConfigError(f"{exc.problems[0].message}; check workflow in {setting}", path=path) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text: expected a workflow saved as JSON", path=path) from None
    try:
        graph = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno) from None
    if isinstance(graph, dict) and "nodes" in graph and "links" in graph:
        raise ConfigError("this is a ComfyUI UI workflow; save it with 'Export (API)' (Workflow menu; older "
                          "versions: enable Dev mode in the settings) and point workflow at that file", path=path)
    if isinstance(graph, dict) and isinstance(graph.get("prompt"), dict):
        graph = graph["prompt"]  # a saved /prompt body
    if not isinstance(graph, dict) or not graph:
        raise ConfigError("not an API-format ComfyUI workflow (expected {node id: {class_type, inputs}})", path=path)
    for node_id, node in graph.items():
        if not isinstance(node, dict) or "class_type" not in node or not isinstance(node.get("inputs", {}), dict):
            raise ConfigError(f"node {node_id!r} has no class_type/inputs: not an API-format workflow", path=path)
    return graph


def placeholders(graph: dict[str, Any]) -> set[str]:
    """Names of the ``{{placeholders}}`` used in ``graph``'s inputs."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.update(_PLACEHOLDER.findall(value))
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    for node in graph.values():
        walk(node.get("inputs", {}))
    return found


def wanted(graph: dict[str, Any], params: dict[str, str]) -> set[str]:
    """Every parameter the workflow asks for (placeholders and ``params``)."""
    return placeholders(graph) | set(params)


def fill_workflow(graph: dict[str, Any], values: dict[str, Any], params: dict[str, str], *, source: str,
                  setting: str) -> dict[str, Any]:
    """A copy of ``graph`` with placeholders and ``params`` paths set from ``values``. A string that is exactly
    one placeholder takes the value with its type (numbers stay numbers); one inside a longer string is replaced
    by its text. Unknown names and missing nodes raise :class:`ConfigError` naming ``source``."""
    out = copy.deepcopy(graph)

    def value_of(name: str, node_id: str) -> Any:
        if name not in values:
            known = ", ".join(sorted(values))
            raise ConfigError(f"node {node_id}: placeholder {{{{{name}}}}} has no value here (known: {known})",
                              path=source)
        return values[name]

    def sub(value: Any, node_id: str) -> Any:
        if isinstance(value, str):
            whole = _PLACEHOLDER.fullmatch(value.strip())
            if whole:
                return value_of(whole.group(1), node_id)
            return _PLACEHOLDER.sub(lambda m: str(value_of(m.group(1), node_id)), value)
        if isinstance(value, list) and not _is_link(value):
            return [sub(v, node_id) for v in value]
        if isinstance(value, dict):
            return {k: sub(v, node_id) for k, v in value.items()}
        return value

    for node_id, node in out.items():
        node["inputs"] = {k: sub(v, node_id) for k, v in node.get("inputs", {}).items()}
    for name, path in params.items():
        node_id, _, field = path.split(".")
        if node_id not in out:
            nodes = ", ".join(sorted(out, key=_node_order))
            raise ConfigError(f"params.{name} = {path!r}: the workflow has no node {node_id} (nodes: {nodes}); "
                              f"fix params in {setting}", path=source)
        out[node_id].setdefault("inputs", {})[field] = value_of(name, node_id)
    return out


def _is_link(value: list) -> bool:
    return len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], int)


def _node_order(node_id: str) -> tuple[int, str]:
    return (int(node_id), "") if node_id.isdigit() else (1 << 30, node_id)


def fit_size(width: int, height: int, max_side: int | None, multiple: int) -> tuple[int, int]:
    """``width × height`` scaled down to ``max_side`` (if set) and rounded to ``multiple``."""
    scale = min(1.0, max_side / max(width, height)) if max_side else 1.0
    return (max(multiple, int(width * scale / multiple + 0.5) * multiple),
            max(multiple, int(height * scale / multiple + 0.5) * multiple))


def output_files(entry: dict[str, Any], kind: Literal["image", "video"], output_node: str | None,
                 where: str) -> list[dict[str, Any]]:
    """The files of the job's outputs that are ``kind`` (saved outputs before temporary previews)."""
    outputs = entry.get("outputs") or {}
    if output_node is not None:
        if output_node not in outputs:
            have = ", ".join(sorted(outputs, key=_node_order)) or "none"
            raise ProviderError(f"the ComfyUI job has no output from node {output_node} (outputs from: {have}); fix "
                                f"output_node in {where}")
        nodes = [output_node]
    else:
        nodes = list(outputs)
    found: list[dict[str, Any]] = []
    for node_id in nodes:
        out = outputs.get(node_id) or {}
        animated = any(bool(a) for a in (out.get("animated") or []))
        for group in ("images", "gifs", "videos", "video"):
            for ref in out.get(group) or []:
                if not isinstance(ref, dict) or not ref.get("filename"):
                    continue
                ext = Path(str(ref["filename"])).suffix.lower()
                moving = group != "images" or animated or ext in (_VIDEO_EXT - {".webp"})
                if (kind == "video" and moving and ext in _VIDEO_EXT) or \
                        (kind == "image" and not moving and ext in _IMAGE_EXT):
                    found.append({**ref, "node": node_id})
    found.sort(key=lambda ref: ref.get("type", "output") != "output")
    return found

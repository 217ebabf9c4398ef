"""Text providers: chat models that answer with JSON matching a schema.

A :class:`TextProvider` takes chat messages and a JSON schema and returns a
:class:`Completion` whose ``data`` is the parsed JSON. Whether the answer also
*satisfies* the schema is checked by the caller with :func:`schema_errors` (a
small validator for the subset of JSON Schema reelwright's prompts use), so
every provider, constrained or not, is held to the same rules.

Schemas are built with :func:`string`, :func:`enum`, :func:`integer`,
:func:`array` and :func:`obj`: flat, no ``$ref``, every property required and
no extra keys, which is what strict structured-output servers and llama.cpp's
grammar converter both accept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from reelwright.errors import ProviderError
from reelwright.providers.base import Provider

__all__ = [
    "TextProvider",
    "Completion",
    "InvalidAnswer",
    "schema_errors",
    "parse_json_answer",
    "string",
    "enum",
    "integer",
    "array",
    "obj",
]


class InvalidAnswer(ProviderError, ValueError):
    """The model answered, but not with usable JSON (malformed, truncated, empty)."""

    def __init__(self, message: str, text: str = "") -> None:
        super().__init__(message)
        self.text = text


@dataclass
class Completion:
    """One model answer: parsed JSON plus what it cost."""

    data: Any
    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    finish_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class TextProvider(Provider):
    """A chat model answering with JSON. Subclasses implement :meth:`complete_json`."""

    kind: ClassVar[str] = "text"

    def complete_json(self, messages: list[dict[str, str]], schema: dict[str, Any], *, name: str = "answer",
                      max_tokens: int | None = None, seed: int | None = None,
                      temperature: float | None = None) -> Completion:
        """Ask for an answer shaped by ``schema``; raises :class:`InvalidAnswer` when it is not JSON."""
        raise NotImplementedError

    @property
    def model_name(self) -> str:
        """The model's name as the lock file records it."""
        return str(getattr(self.options, "model", "") or "")

    def identity(self) -> dict[str, Any]:
        ident = super().identity()
        ident["model"] = self.model_name
        return ident


# ---- answers -----------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*```(?:json|JSON)?\s*\n?(.*?)\n?```\s*$", re.S)


def parse_json_answer(text: str, finish_reason: str | None = None) -> Any:
    """The JSON in a model's answer; code fences and chatter around one object are tolerated."""
    if finish_reason == "length":
        raise InvalidAnswer("the answer was cut off at the token limit (truncated JSON)", text)
    if text is None or not text.strip():
        raise InvalidAnswer("the answer was empty", text or "")
    body = text.strip()
    if m := _FENCE.match(body):
        body = m.group(1).strip()
    try:
        return json.loads(body, strict=False)  # strict=False: a raw tab or newline inside a string is fine
    except json.JSONDecodeError as exc:
        start = body.find("{")
        end = body.rfind("}")
        if 0 <= start < end:
            try:
                return json.loads(body[start:end + 1], strict=False)
            except json.JSONDecodeError:
                pass
        raise InvalidAnswer(f"the answer is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})",
                            text) from None


# ---- schemas -----------------------------------------------------------------------------------


def string(max_length: int, min_length: int = 1, pattern: str | None = None, description: str = "") -> dict:
    s: dict[str, Any] = {"type": "string", "minLength": min_length, "maxLength": max_length}
    if pattern:
        s["pattern"] = pattern
    if description:
        s["description"] = description
    return s


def enum(values: list[str], description: str = "") -> dict:
    s: dict[str, Any] = {"type": "string", "enum": list(dict.fromkeys(values))}
    if description:
        s["description"] = description
    return s


def integer(minimum: int, maximum: int) -> dict:
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


def array(items: dict, min_items: int, max_items: int) -> dict:
    return {"type": "array", "items": items, "minItems": min_items, "maxItems": max_items}


def obj(properties: dict[str, dict]) -> dict:
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False}


_TYPES = {"string": str, "object": dict, "array": list, "boolean": bool, "number": (int, float)}


def schema_errors(value: Any, schema: dict, path: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema`` (type, enum, lengths, counts, ranges, required/extra keys)."""
    errors: list[str] = []
    kind = schema.get("type")
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                return [f"{path}: expected an integer, got {_show(value)}"]
    elif kind in _TYPES:
        if not isinstance(value, _TYPES[kind]) or (kind == "number" and isinstance(value, bool)):
            return [f"{path}: expected {kind}, got {_show(value)}"]
    if "enum" in schema and value not in schema["enum"]:
        choices = ", ".join(map(str, schema["enum"][:12]))
        errors.append(f"{path}: {_show(value)} is not one of: {choices}")
    if isinstance(value, str):
        if len(value) > schema.get("maxLength", 1 << 30):
            errors.append(f"{path}: too long ({len(value)} characters, at most {schema['maxLength']})")
        if len(value.strip()) < schema.get("minLength", 0):
            errors.append(f"{path}: too short (at least {schema['minLength']} characters)")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: {_show(value)} does not match the expected form")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value} is below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {value} is above {schema['maximum']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: {len(value)} items, at least {schema['minItems']}")
        if len(value) > schema.get("maxItems", 1 << 30):
            errors.append(f"{path}: {len(value)} items, at most {schema['maxItems']}")
        if "items" in schema:
            for i, item in enumerate(value):
                errors += schema_errors(item, schema["items"], f"{path}[{i}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}.{key}: missing")
        if schema.get("additionalProperties") is False:
            for key in value:
                if key not in props:
                    errors.append(f"{path}.{key}: unexpected key")
        for key, sub in props.items():
            if key in value:
                errors += schema_errors(value[key], sub, f"{path}.{key}")
    return errors


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."

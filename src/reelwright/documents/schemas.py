"""JSON schemas of the documents, kept as golden files under tests/golden/schemas.

Regenerate after a deliberate change with ``python -m reelwright.documents.schemas tests/golden/schemas``
(``make schemas``), and bump the document's VERSION with an upgrader when old files need converting.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from reelwright.documents import DOCUMENTS

__all__ = ["schemas", "write_schemas"]


def schemas() -> dict[str, dict]:
    out = {}
    for name, cls in DOCUMENTS.items():
        schema = cls.model_json_schema()
        schema["x-reelwright-version"] = cls.VERSION
        out[name] = schema
    return out


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas().items():
        path = folder / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/golden/schemas")):
        print(p)

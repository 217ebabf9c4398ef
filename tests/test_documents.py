import json
from pathlib import Path

import pytest

from reelwright.documents import (
    Bible,
    Storyboard,
    load_document,
    save_document,
    upgrader,
)
from reelwright.documents.base import Document, atomic_write_text
from reelwright.documents.schemas import schemas
from reelwright.errors import ConfigError, InputError

GOLDEN = Path(__file__).parent / "golden" / "schemas"


def test_schemas_match_golden_files():
    current = schemas()
    drift = []
    for name, schema in current.items():
        path = GOLDEN / f"{name}.schema.json"
        text = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            drift.append(name)
    assert not drift, (
        f"document schemas changed: {drift}. If deliberate, bump VERSION with an upgrader and run "
        "`make schemas` (python -m reelwright.documents.schemas tests/golden/schemas)"
    )


def test_old_version_is_upgraded(tmp_path):
    class Thing(Document):
        KIND = "thing-test"
        VERSION = 2
        name: str

    @upgrader("thing-test", 1)
    def _v1_to_v2(data):
        data["name"] = data.pop("title")
        return data

    p = tmp_path / "thing.yaml"
    p.write_text("schema_version: 1\ntitle: hello\n", encoding="utf-8")
    thing = load_document(p, Thing)
    assert thing.name == "hello" and thing.schema_version == 2


def test_newer_version_is_refused_with_line(tmp_path):
    p = tmp_path / "bible.yaml"
    p.write_text("title: x\nschema_version: 99\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_document(p, Bible)
    assert f"{p}:2:" in str(err.value) and "newer" in str(err.value)


def test_wrong_types_are_located(tmp_path):
    p = tmp_path / "bible.yaml"
    p.write_text(
        "title: x\ncharacters:\n  - name: A\n    look: {seed: a}\n    voice:\n      pitch: high\n"
        "  - name: B\n    lok: {seed: b}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_document(p, Bible)
    text = str(err.value)
    assert f"{p}:6: characters.0.voice.pitch" in text
    assert f"{p}:8: characters.1.lok: unknown key" in text
    assert "characters.1.look: required key is missing" in text


def test_broken_yaml_and_non_utf8(tmp_path):
    p = tmp_path / "bible.yaml"
    p.write_text("title: x\ncharacters: [\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_document(p, Bible)
    assert str(p) in str(err.value) and "invalid YAML" in str(err.value)
    p.write_bytes("title: ok\n".encode() + b"name: \xff\xfe\n")
    with pytest.raises(InputError) as err:
        load_document(p, Bible)
    assert f"{p}:2:" in str(err.value) and "UTF-8" in str(err.value)
    with pytest.raises(InputError, match="file not found"):
        load_document(tmp_path / "missing.yaml", Bible)


def test_atomic_write_never_leaves_partial_file(tmp_path, monkeypatch):
    p = tmp_path / "doc.yaml"
    atomic_write_text(p, "old: 1\n")

    import os

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(p, "new: 2\n" * 1000)
    assert p.read_text() == "old: 1\n"
    assert [x.name for x in tmp_path.iterdir()] == ["doc.yaml"]


def test_save_document_reports_unchanged(tmp_path):
    board = Storyboard(episode=1)
    p = tmp_path / "b.yaml"
    assert save_document(board, p) is True
    assert save_document(board, p) is False

"""Shared fixtures. Network access is switched off for every test: only loopback may be reached."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

SHARED_SCRIPTS = Path(__file__).resolve().parents[2] / "shared" / "scripts"

_real_connect = socket.socket.connect


def _guarded_connect(self, address):  # pragma: no cover - only trips on a bug
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = host == "localhost"
        if not ok:
            raise RuntimeError(f"tests must not reach the network (tried {address!r})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


TINY_TOML = """
[project]
title = "Test"
language = "{lang}"

[video]
width = 216
height = 384
fps = 15
preset = "superfast"

[render]
workers = 1
"""


@pytest.fixture
def tiny_project(tmp_path):
    """A small English project (216×384 at 15 fps so it renders in seconds)."""

    def make(script: str, name: str = "ep001.fountain", lang: str = "en") -> Path:
        return write_tiny_project(tmp_path / "proj", script, name, lang)

    return make


# two scenes, two characters, one line each: the smallest episode a whole build is tested on
TWO_SCENE_SCRIPT = """Title: Test
Episode: 1

INT. KITCHEN - NIGHT

MAYA stares at the envelope.

MAYA
He said he would never come back.

EXT. PARK - DAY

LEO waits by the bench.

LEO
She will come.
"""


def write_tiny_project(root: Path, script: str, name: str = "ep001.fountain", lang: str = "en") -> Path:
    """A small project folder at ``root`` holding one script (216×384 at 15 fps)."""
    (root / "scripts").mkdir(parents=True, exist_ok=True)
    (root / "reelwright.toml").write_text(TINY_TOML.format(lang=lang), encoding="utf-8")
    (root / "scripts" / name).write_text(script, encoding="utf-8")
    return root

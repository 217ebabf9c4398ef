"""Shared fixtures. Network access is switched off for every test: only loopback may be reached."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

from tests.helpers import write_tiny_project

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


@pytest.fixture
def tiny_project(tmp_path):
    """A small English project (216×384 at 15 fps so it renders in seconds)."""

    def make(script: str, name: str = "ep001.fountain", lang: str = "en") -> Path:
        return write_tiny_project(tmp_path / "proj", script, name, lang)

    return make

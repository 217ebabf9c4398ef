"""Keys never leave in text: API keys are blanked out of anything reelwright prints or stores.

The HTTP client registers each key it sends (:func:`register_secret`); values of environment variables whose
names say they hold a secret (``*_KEY``, ``*_TOKEN``, ``*_SECRET``, ``*PASSWORD``) count too. :func:`redact`
replaces every one of them in a text (an error message, a ledger line), so a server that echoes the request's
headers in its error body cannot get the key printed on the terminal or written to ``build/ledger.jsonl``.
"""

from __future__ import annotations

import os
import re
import threading

__all__ = ["register_secret", "redact", "REDACTED"]

REDACTED = "[redacted]"
_MIN_LEN = 6  # shorter values would blank out ordinary words
_SECRET_ENV = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD)$", re.I)
_registered: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember ``value`` (an API key just read) so that :func:`redact` removes it from any text."""
    if value and len(value) >= _MIN_LEN:
        with _lock:
            _registered.add(value)


def _secrets() -> list[str]:
    with _lock:
        found = set(_registered)
    found |= {v for k, v in os.environ.items() if _SECRET_ENV.search(k) and v and len(v) >= _MIN_LEN}
    return sorted(found, key=len, reverse=True)  # longest first: a key that contains another goes whole


def redact(text: str) -> str:
    """``text`` with every known secret replaced by ``[redacted]``."""
    if not text:
        return text
    for secret in _secrets():
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text

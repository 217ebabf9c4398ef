"""The studio's guards: who may talk to it, which files a request may reach, and cross-site requests.

* Bound to a loopback address, the studio answers only requests whose ``Host`` is that address (a web page on
  another site cannot reach it by DNS rebinding). Bound to any other address it needs the access token printed
  at start on every request: ``?token=…`` once (it is then kept in a same-site cookie), the cookie, or an
  ``Authorization: Bearer …`` header.
* Files are served only from inside the project's ``build/`` folder, resolved with symlinks followed: ``..``,
  absolute paths, backslashes, encoded slashes and links that lead outside are refused.
* A request that changes anything is a POST carrying the page's CSRF token, and one whose ``Origin`` names
  another site is refused.
"""

from __future__ import annotations

import ipaddress
import secrets
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

__all__ = ["Guard", "safe_file", "is_loopback", "TOKEN_COOKIE", "same_origin"]

TOKEN_COOKIE = "reelwright_studio"


def is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def safe_file(root: Path, relative: str, folders: tuple[str, ...] = ("build",)) -> Path | None:
    """``root/relative`` when it is an existing file inside one of ``folders`` of ``root`` (symlinks resolved),
    else None."""
    if not relative or "\\" in relative or "\x00" in relative or relative.startswith("/") or ":" in relative:
        return None
    parts = relative.split("/")
    if any(p in ("", ".", "..") or "%" in p for p in parts):
        return None
    base = root.resolve()
    try:
        path = (base / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not path.is_file():
        return None
    for folder in folders:
        try:
            path.relative_to(base / folder)
            return path
        except ValueError:
            continue
    return None


def same_origin(headers: dict[str, str]) -> bool:
    """False when the browser says the request comes from another site."""
    site = headers.get("sec-fetch-site")
    if site and site not in ("same-origin", "none"):
        return False
    origin = headers.get("origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc == headers.get("host", "")
    return origin != "null"


class Guard:
    """ASGI middleware: the Host check (loopback) or the access token (any other address)."""

    def __init__(self, app, *, host: str, port: int, token: str | None) -> None:
        self.app = app
        self.token = token
        names = {host, "localhost", "127.0.0.1", "[::1]", "::1"} if is_loopback(host) else set()
        self.hosts = {f"{n}:{port}" for n in names} | names

    def _ok_host(self, headers: dict[str, str]) -> bool:
        return not self.hosts or headers.get("host", "") in self.hosts

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket":  # the studio has none; refuse rather than pass one unguarded
            return await send({"type": "websocket.close", "code": 1008})
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if self.token is None:
            if not self._ok_host(headers):
                return await _plain(send, 403, "this studio answers only at its own address (Host header refused)")
            return await self.app(scope, receive, send)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.get("token") or [None])[0]
        if given is not None:
            if not secrets.compare_digest(given, self.token):
                return await _plain(send, 403, "wrong access token")
            rest = {k: v for k, v in query.items() if k != "token"}
            location = scope.get("path", "/") + (("?" + urlencode(rest, doseq=True)) if rest else "")
            cookie = f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
            return await _plain(send, 303, "", [(b"location", location.encode("latin-1")),
                                                (b"set-cookie", cookie.encode("latin-1"))])
        auth = headers.get("authorization", "")
        presented = auth[7:] if auth.lower().startswith("bearer ") else None
        if presented is None and "cookie" in headers:
            jar = SimpleCookie()
            try:
                jar.load(headers["cookie"])
            except Exception:  # noqa: BLE001 - a malformed cookie header is no token
                jar = SimpleCookie()
            if TOKEN_COOKIE in jar:
                presented = jar[TOKEN_COOKIE].value
        if presented is None:
            return await _plain(send, 401, "this studio needs its access token: open the address it printed at "
                                "start (…/?token=…)")
        if not secrets.compare_digest(presented, self.token):
            return await _plain(send, 403, "wrong access token")
        return await self.app(scope, receive, send)


async def _plain(send, status: int, text: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *(extra or [])]})
    await send({"type": "http.response.body", "body": body})

"""``reelwright studio``: a local web app over a project folder, on the same Python API as the CLI.

See docs/studio.md. :func:`serve` starts it with uvicorn; :func:`create_app` gives the ASGI app (for tests
and for embedding).
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from reelwright.studio.app import create_app
from reelwright.studio.security import is_loopback

__all__ = ["create_app", "serve", "studio_url"]


def studio_url(host: str, port: int, token: str | None = None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def serve(root: str | Path, *, host: str = "127.0.0.1", port: int = 8700, token: str | None = None,
          stream=None) -> None:
    """Serve the studio until interrupted. Any address but a loopback one needs an access token: one is made
    (unless given) and printed once, in the address to open."""
    import uvicorn  # noqa: PLC0415 - the server is only needed here

    stream = stream or sys.stdout
    if not is_loopback(host) and not token:
        token = secrets.token_urlsafe(18)
    app = create_app(root, host=host, port=port, token=token if not is_loopback(host) or token else None)
    print(f"reelwright studio for {Path(root).resolve()} at {studio_url(host, port, token)}", file=stream,
          flush=True)
    if token:
        print("  the token in that address is needed on every request; share it only with your team", file=stream,
              flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")

"""A real headless Chromium for the studio's browser tests (Debian's ``chromium`` + ``chromium-driver``, driven
by Selenium), and a uvicorn server in a thread to point it at.

``scripts/install-browser.sh`` installs the browser. Without it the browser tests skip with the reason, unless
``REELWRIGHT_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which makes a missing browser a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
DRIVER = ("chromedriver", "chromium-driver")


def _which(names: tuple[str, ...], env: str) -> str | None:
    if os.environ.get(env):
        return os.environ[env]
    for name in names:
        found = shutil.which(name) or (f"/usr/lib/chromium/{name}" if Path(f"/usr/lib/chromium/{name}").is_file()
                                       else None)
        if found:
            return found
    return None


def _missing(reason: str):
    if os.environ.get("REELWRIGHT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (REELWRIGHT_REQUIRE_BROWSER=1) but {reason}; "
                    "run scripts/install-browser.sh")
    pytest.skip(f"{reason}: run scripts/install-browser.sh to install Chromium and its driver")


def chromium(width: int = 1280, height: int = 900):
    """A headless Chromium WebDriver (the caller quits it)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("the selenium package is not installed (pip install -e '.[test]')")
    binary, driver = _which(CHROMIUM, "REELWRIGHT_CHROMIUM"), _which(DRIVER, "REELWRIGHT_CHROMEDRIVER")
    if not binary or not driver:
        _missing("Chromium or chromedriver is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}",
                "--autoplay-policy=no-user-gesture-required", "--mute-audio", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=options)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """An ASGI app served by uvicorn on 127.0.0.1 in a thread: ``with Served(app, port) as url:``."""

    def __init__(self, app, port: int) -> None:
        import uvicorn

        self.port = port
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the studio server did not start")
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def shoot(driver, path: Path, width: int = 960) -> Path:
    """Save what the browser shows as a small PNG (the docs' screenshots)."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    driver.save_screenshot(str(tmp))
    with Image.open(tmp) as im:
        im = im.convert("RGB")
        if im.width > width:
            im = im.resize((width, round(im.height * width / im.width)), Image.Resampling.LANCZOS)
        im.quantize(colors=192, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    tmp.unlink(missing_ok=True)
    return path

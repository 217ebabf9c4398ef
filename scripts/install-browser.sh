#!/usr/bin/env sh
# Install the headless Chromium the studio's browser tests drive (tests/test_studio.py, via Selenium):
# Debian/Ubuntu's chromium and its matching chromedriver. Run as root or with sudo; does nothing when both exist.
set -eu
if command -v chromium >/dev/null 2>&1 && { command -v chromedriver >/dev/null 2>&1 || [ -x /usr/lib/chromium/chromedriver ]; }; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  command -v sudo >/dev/null 2>&1 && SUDO="sudo" || { echo "install-browser: run as root (apt-get needs it)" >&2; exit 1; }
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: no apt-get here; install Chromium and chromedriver yourself, or point" >&2
  echo "  REELWRIGHT_CHROMIUM and REELWRIGHT_CHROMEDRIVER at them" >&2
  exit 1
fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium chromium-driver

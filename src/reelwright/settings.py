"""``reelwright.toml``: project settings, validated with file:line errors."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from reelwright.documents.base import Model, read_text, validation_problems
from reelwright.errors import ConfigError

__all__ = ["Settings", "load_settings", "default_settings_toml"]


class ProjectSection(Model):
    title: str = "Untitled series"
    language: Literal["en", "zh"] = "en"


class VideoSection(Model):
    width: int = Field(1080, ge=64, le=4096, multiple_of=2)
    height: int = Field(1920, ge=64, le=4096, multiple_of=2)
    fps: int = Field(30, ge=1, le=120)
    crf: int = Field(21, ge=0, le=51)
    # ultrafast is left out on purpose: it drops CABAC and 8x8 transforms, so the output is no longer High profile
    preset: Literal["superfast", "veryfast", "faster", "fast", "medium", "slow"] = "veryfast"
    subtitles: bool = Field(True, description="burn subtitles into the episode video")


class AudioSection(Model):
    sample_rate: Literal[44100, 48000] = 48000
    loudness: float = Field(-14.0, ge=-40, le=-5, description="integrated LUFS target")
    true_peak: float = Field(-1.0, ge=-10, le=0, description="true-peak ceiling in dBTP")


class ProvidersSection(Model):
    speech: str | None = Field(None, description="speech provider; default piper for en, espeak otherwise")
    image: str = "comic"
    options: dict[str, dict[str, Any]] = Field(default_factory=dict, description="options per provider name")


class TargetsSection(Model):
    episode_min_seconds: float = 45
    episode_max_seconds: float = 180


class RenderSection(Model):
    workers: int = Field(0, ge=0, le=64, description="render processes; 0 = one per CPU core")


class Settings(Model):
    project: ProjectSection = Field(default_factory=ProjectSection)
    video: VideoSection = Field(default_factory=VideoSection)
    audio: AudioSection = Field(default_factory=AudioSection)
    providers: ProvidersSection = Field(default_factory=ProvidersSection)
    targets: TargetsSection = Field(default_factory=TargetsSection)
    render: RenderSection = Field(default_factory=RenderSection)

    def speech_for(self, language: str) -> str:
        """The speech provider for a language: the configured one, else piper for English, espeak otherwise."""
        return self.providers.speech or ("piper" if language == "en" else "espeak")


def _toml_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line of a dotted key path in TOML text."""
    lines = text.splitlines()
    section: list[str] = []
    want = [str(p) for p in loc]
    best = None
    for i, raw in enumerate(lines, 1):
        s = raw.strip()
        m = re.match(r"^\[+\s*([^\]]+?)\s*\]+", s)
        if m:
            section = [p.strip().strip('"') for p in m.group(1).split(".")]
            if section == want[: len(section)] and best is None and len(section) == len(want):
                best = i
            continue
        m = re.match(r'^("?)([A-Za-z0-9_\-]+)\1\s*=', s)
        if m and section + [m.group(2)] == want[: len(section) + 1]:
            return i
        if section and section == want[: len(section)] and best is None:
            best = i
    return best


def load_settings(path: Path) -> Settings:
    text = read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"invalid TOML: {exc}", path=path, line=int(m.group(1)) if m else None) from None
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            problems=validation_problems(exc, path, line_of=lambda loc: _toml_line(text, loc))
        ) from None


def default_settings_toml(title: str, language: str) -> str:
    return f'''# reelwright project settings. Every key is optional; these are the defaults.
[project]
title = "{title}"
language = "{language}"          # en | zh: script format for new scripts, default voices

[video]
width = 1080
height = 1920
fps = 30
crf = 21
preset = "veryfast"
subtitles = true               # burn subtitles in (an .srt is always written beside the video)

[audio]
sample_rate = 48000
loudness = -14.0               # LUFS integrated
true_peak = -1.0               # dBTP ceiling

[providers]
# speech = "piper"             # default: piper for English, espeak for other languages
image = "comic"

[targets]
episode_min_seconds = 45
episode_max_seconds = 180

[render]
workers = 0                    # render processes; 0 = one per CPU core
'''

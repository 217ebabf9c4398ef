"""The media an episode's deliverables are cut from: clean per-shot clips, line audio, the mix and its stems.

:func:`episode_media` takes a built episode (the build's
:class:`~reelwright.build.pipeline.EpisodeResult`: derived products never start a build of their own) and makes
sure every shot also exists as a *clean* segment (no burned-in subtitles or captions) in the content-addressed
cache.
:func:`text_specs` gives the render specs of a version with other text burned in
(a translated subtitle track); shots whose text did not change are cache hits.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelwright.build.pipeline import EpisodeResult
from reelwright.documents.timeline import Cue, Timeline
from reelwright.errors import BuildError
from reelwright.media.audio import mix as mix_clips
from reelwright.media.audio import read_wav
from reelwright.media.stems import stem_gains
from reelwright.progress import Progress
from reelwright.project.cache import Cache
from reelwright.project.folder import Project
from reelwright.providers.registry import get_provider
from reelwright.render.executors import render_segments
from reelwright.render.shots import shot_specs
from reelwright.fsutil import place, storage_errors, temp_path

__all__ = ["EpisodeMedia", "episode_media", "text_specs", "render_specs", "place_file", "image_identity",
           "stem_levels"]


@dataclass
class EpisodeMedia:
    number: int
    language: str  # the episode's spoken language
    timeline: Timeline
    clean: list[Path]  # one segment per timeline shot, no burned-in text
    lines: dict[int, Path]  # dialogue index → the voiced line (mono WAV)
    mix: Path  # the episode's mix (stereo WAV at the loudness target)
    me: Path | None  # the music-and-effects stem at its level in the mix; None when the episode has none
    video: Path  # the built episode (subtitles as the project burns them)

    @property
    def tag(self) -> str:
        return f"ep{self.number:03d}"


def image_identity(project: Project) -> dict:
    name = project.settings.providers.image
    return get_provider(f"image:{name}", project.settings.provider_options("image", name),
                        root=project.root).identity()


def text_specs(project: Project, timeline: Timeline, cues: list[Cue] | None,
               captions: dict[str, str | None] | None = None) -> list[dict]:
    """Render specs of ``timeline`` with ``cues`` burned in (None or [] = none) and shot captions replaced
    by ``captions`` (shot id → text; None = no caption). Empty both: the clean picture."""

    shots = timeline.shots
    if captions is not None:
        shots = [ts.model_copy(update={"shot": ts.shot.model_copy(update={"caption": captions.get(ts.shot.id)})})
                 if ts.shot.size != "INSERT" else ts for ts in shots]
    tl = timeline.model_copy(update={"cues": list(cues or []), "shots": shots})
    video = project.settings.video.model_copy(update={"subtitles": bool(cues)})
    settings = project.settings.model_copy(update={"video": video})
    return shot_specs(tl, project.bible, settings, image_identity(project))


def render_specs(specs: list[dict], cache: Cache, name: str, *, workers: int | None, project: Project,
                 quiet: bool = True) -> list[Path]:

    workers = project.settings.render.workers if workers is None else workers
    with Progress(f"{name} render", len(specs), enabled=not quiet) as bar:
        return render_segments(specs, cache, name=name, workers=workers, on_done=bar.advance)


def episode_media(project: Project, built: EpisodeResult, cache: Cache, *, workers: int | None = None,
                  quiet: bool = True) -> EpisodeMedia:
    """The media of a built episode, with its clean shot clips rendered (cache hits when nothing changed)."""
    timeline = built.load_timeline()
    tag = built.tag
    if not built.mix.is_file():
        raise BuildError(f"{tag}: the build left no mix in the cache; run 'reelwright build {project.root}'")
    captions = {ts.shot.id: None for ts in timeline.shots}
    clean = render_specs(text_specs(project, timeline, None, captions), cache, f"{tag}/clean/", workers=workers,
                         project=project, quiet=quiet)
    lines = {c.line: cache.path("voice", c.key, ".wav") for c in timeline.audio}
    missing = [i for i, p in lines.items() if not p.is_file()]
    if missing:
        raise BuildError(f"{tag}: voiced lines {missing} are missing from the cache; run the build again")
    return EpisodeMedia(built.number, project.language(built.number), timeline, clean, lines, built.mix, built.me,
                        built.video)


def place_file(src: Path, dest: Path) -> bool:
    """Put ``src`` at ``dest`` (a hard link when the file system allows, else a copy), atomically.

    Returns False when ``dest`` already is ``src``'s content (same file, or same size and bytes)."""
    src, dest = Path(src), Path(dest)
    if dest.is_file():
        try:
            if os.path.samefile(src, dest):
                return False
        except OSError:
            pass
        if dest.stat().st_size == src.stat().st_size and _same_bytes(src, dest):
            return False
    tmp = temp_path(dest)
    try:
        try:
            os.link(src, tmp)
        except OSError:
            with storage_errors(dest):
                shutil.copyfile(src, tmp)
        place(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def _same_bytes(a: Path, b: Path, chunk: int = 1 << 20) -> bool:
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(chunk), fb.read(chunk)
            if x != y:
                return False
            if not x:
                return True


def _stem_parts(media, total: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(mix, the lines placed as in the mix at unit gain, the M&E stem or None), ``total`` samples each."""
    mix = read_wav(media.mix).samples
    mix = np.pad(mix, ((0, max(total - len(mix), 0)), (0, 0)))[:total]
    dia = mix_clips([(c.start, read_wav(media.lines[c.line]).samples, 1.0) for c in media.timeline.audio], total, 2)
    if media.me is None:
        return mix, dia, None
    me = read_wav(media.me).samples
    return mix, dia, np.pad(me, ((0, max(total - len(me), 0)), (0, 0)))[:total]


def stem_levels(media, total: int) -> tuple[float, float]:
    """Linear gains of the line audio and of the M&E stem inside the episode's mix (a joint least-squares
    fit: the mix is both, normalised and limited together); the stem's is 1.0 when it sits at its level."""
    if not media.timeline.audio:
        return 1.0, 1.0
    mix, dia, me = _stem_parts(media, total)
    if me is None:
        return max(stem_gains(mix, [dia])[0], 0.0), 1.0
    g_dia, g_me = stem_gains(mix, [dia, me])
    return max(g_dia, 0.0), (1.0 if abs(g_me - 1.0) < 0.02 else max(g_me, 0.0))


def episode_stems(media, total: int, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """(dialogue, M&E) stems as they sit in the mix: the M&E stem the build wrote (at its level, the limiter
    included), and the mix less that stem, so that the two add up to the mix exactly."""
    mix, dia, me = _stem_parts(media, total)
    if me is None:
        return mix.astype(np.float32), np.zeros_like(mix, dtype=np.float32)
    g_me = stem_levels(media, total)[1]
    me = me * np.float32(g_me)
    return (mix - me).astype(np.float32), me.astype(np.float32)

"""``reelwright deliver``: the package a distributor receives, per episode, with a manifest.

Under ``build/deliver/epNNN/``:

* ``epNNN.master.mp4`` — the clean master: no burned-in subtitles or captions;
* ``epNNN.subtitled.<lang>.mp4`` — subtitles and on-screen text burned in, in the
  episode's own language (and each of ``[delivery] subtitled``);
* ``epNNN.<lang>.srt/.ass/.vtt`` — per language (the episode's own, ``[delivery]
  languages`` and ``--languages``), timed to each language's rules;
* ``epNNN.dialogue.wav`` and ``epNNN.me.wav`` — the dialogue and the
  music-and-effects stems at the level they have in the mix (they add up to it);
* ``epNNN.cover.<lang>.9x16.png`` / ``.3x4.png`` — from the episode's strongest
  close-up, with the title;
* ``epNNN.dub.<lang>.mp4`` (+ its subtitles and stems) for each ``[delivery] dub``
  language;

and ``build/deliver/manifest.json`` listing every file with its duration,
checksum (SHA-256) and spec (codec, size, rate …). With ``[delivery] card`` set,
the masters, subtitled versions, stems and subtitle files all start with an
opening card of that text (a licence or registration number) and stay in sync.

Every output has a key made from what it is made of; a re-run rewrites only the
outputs whose key changed, renders only shots that changed, and re-hashes only
files that were rewritten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reelwright import __version__
from reelwright.build.pipeline import BuildReport, build
from reelwright.documents.base import atomic_write_text, save_document
from reelwright.documents.bible import Look
from reelwright.documents.glossary import Glossary
from reelwright.fsutil import file_sha256
from reelwright.documents.timeline import Cue, Timeline, TimelineShot
from reelwright.errors import BuildError
from reelwright.export.media import (
    episode_media,
    episode_stems,
    place_file,
    render_specs,
    text_specs,
)
from reelwright.localise.dub import dub_episode
from reelwright.localise.tracks import (
    GLOSSARY,
    cast_voices,
    load_glossary,
    localise_track,
    parse_languages,
    subtitle_rules,
    text_provider,
    update_glossary,
    write_track,
)
from reelwright.localise.translate import Translator
from reelwright.media.audio import Audio, read_wav, write_wav
from reelwright.media.cover import card_frame, cover_images, cover_still, save_png
from reelwright.media.video import EncoderSettings, SegmentWriter, assemble, is_draft, probe
from reelwright.project.cache import Cache, make_key
from reelwright.project.folder import Project, parse_episode_spec
from reelwright.render.shots import subject_looks

__all__ = ["DeliverReport", "deliver_project", "strongest_close_up", "MANIFEST", "episode_label"]

MANIFEST = "manifest.json"
COVER_VERSION = 1
_EXPRESSIVE = {"angry": 2.0, "surprised": 2.0, "afraid": 2.0, "cold": 1.8, "sad": 1.5, "happy": 1.0}


@dataclass
class DeliverReport:
    episodes: list[int]
    languages: dict[int, list[str]] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    manifest: Path | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    work: dict[str, int] = field(default_factory=dict)
    build: BuildReport | None = None  # the build delivery asked for (a freshness check when nothing changed)

    def summary(self) -> str:
        done = (f"delivered {len(self.episodes)} episode(s): {len(self.written)} file(s) written, "
                f"{len(self.kept)} up to date → {self.manifest}")
        return done if self.build is None else f"{self.build.brief()}\n{done}"


def strongest_close_up(timeline: Timeline) -> TimelineShot:
    """The shot a cover is made from: the most charged close-up (cliffhanger, hook, reaction, a strong
    expression), ties to the longer then the earlier shot."""
    def score(ts: TimelineShot) -> float:
        shot = ts.shot
        if not shot.subjects or shot.size not in ("ECU", "CU", "MCU"):
            return -10.0 if not shot.subjects else -5.0
        s = {"ECU": 3.0, "CU": 3.0, "MCU": 2.0}[shot.size]
        s += {"cliffhanger": 3.0, "hook": 2.0, "reaction": 2.0}.get(shot.reason, 0.0)
        primary = shot.speaker if shot.speaker in shot.subjects else shot.subjects[0]
        s += _EXPRESSIVE.get(str(shot.expressions.get(primary, "neutral")), 0.0)
        s += 1.0 if shot.sting else 0.0
        return s

    return max(timeline.shots, key=lambda ts: (score(ts), ts.frames, -ts.start))


def episode_label(number: int, language: str, title: str | None) -> str:
    label = {"zh": f"第{number}集", "ja": f"第{number}話", "ko": f"제{number}화"}.get(language, f"EP {number}")
    if title:
        label += ("·" if language in ("zh", "ja") else " · ") + title
    return label


def _series_title(project: Project, number: int, language: str, glossary) -> str:
    d = project.settings.delivery
    doc = project.episodes[number].document
    title = d.title or doc.title or doc.title_page.get("Title") or project.settings.project.title
    term = glossary.term(title) if glossary is not None else None
    if term is not None and term.translations.get(language):
        return term.translations[language]
    return title


# ---- files -----------------------------------------------------------------------------------------

class _Outputs:
    """Keyed outputs: write only when the key changed or the file is gone; note what was done."""

    def __init__(self, cache: Cache, report: DeliverReport, root: Path) -> None:
        self.cache, self.report, self.root = cache, report, root
        self.entries: list[dict] = []

    def fresh(self, path: Path, key: str) -> bool:
        entry = self.cache.lock.artifacts.get(self._name(path))
        return entry is not None and entry.key == key and path.is_file()

    def _name(self, path: Path) -> str:
        return "deliver/" + path.relative_to(self.root).as_posix()

    def done(self, path: Path, key: str, written: bool, kind: str, episode: int, language: str | None,
             spec: dict | None = None) -> None:
        self.cache.record(self._name(path), "deliver", key, [str(path)])
        if written:
            path.chmod(0o644)  # a package for others to read
        (self.report.written if written else self.report.kept).append(path)
        self.entries.append({"path": path.relative_to(self.root).as_posix(), "kind": kind, "episode": episode,
                             "language": language, "key": key, **({"made_from": spec} if spec else {})})


def _describe(path: Path) -> tuple[float | None, dict]:
    """(duration in seconds, spec) of a delivered file, probed."""
    suffix = path.suffix.lower()
    if suffix == ".mp4":
        info = probe(path)
        v, a = info.get("video", {}), info.get("audio", {})
        dur = v.get("duration") or info.get("duration")
        spec = {"container": "mp4", "video": {k: v.get(k) for k in ("codec", "profile", "pix_fmt", "width",
                                                                     "height", "fps", "frames")}}
        if a:
            spec["audio"] = {k: a.get(k) for k in ("codec", "sample_rate", "channels")}
        return (round(dur, 3) if dur else None), spec
    if suffix == ".wav":
        audio = read_wav(path)
        ch = 1 if audio.samples.ndim == 1 else audio.samples.shape[1]
        return round(len(audio.samples) / audio.sample_rate, 3), {"container": "wav", "codec": "pcm_s16le",
                                                                  "sample_rate": audio.sample_rate, "channels": ch}
    if suffix == ".png":
        from PIL import Image  # noqa: PLC0415

        with Image.open(path) as im:
            w, h = im.size
        return None, {"format": "png", "width": w, "height": h, "aspect": f"{w}:{h}"}
    if suffix in (".srt", ".ass", ".vtt"):
        import pysubs2  # noqa: PLC0415

        subs = pysubs2.load(str(path))
        end = max((e.end for e in subs), default=0)
        return round(end / 1000, 3), {"format": suffix[1:], "cues": len(subs)}
    return None, {}


def _write_manifest(root: Path, project: Project, entries: list[dict]) -> Path:
    path = root / MANIFEST
    old = {}
    if path.is_file():
        try:
            old = {e["path"]: e for e in json.loads(path.read_text(encoding="utf-8")).get("files", [])}
        except (ValueError, KeyError, TypeError):
            old = {}
    files = []
    for e in sorted(entries, key=lambda e: e["path"]):
        p = root / e["path"]
        st = p.stat()
        prev = old.get(e["path"])
        if prev and prev.get("bytes") == st.st_size and prev.get("mtime_ns") == st.st_mtime_ns and "sha256" in prev:
            sha, duration, spec = prev["sha256"], prev.get("duration"), prev.get("spec", {})
        else:
            sha = file_sha256(p)
            duration, spec = _describe(p)
        files.append({**e, "bytes": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha, "duration": duration,
                      "spec": spec})
    data = {"title": project.settings.project.title, "generator": f"reelwright {__version__}",
            "files": files}
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        atomic_write_text(path, text)
    return path


# ---- pieces -----------------------------------------------------------------------------------------

def _card_segment(project: Project, timeline: Timeline, cache: Cache) -> tuple[Path | None, int, str]:
    """The opening card's segment in the cache, its frames, its key ('' when there is no card)."""
    d = project.settings.delivery
    if not d.card.strip():
        return None, 0, ""

    frames = max(1, round(d.card_seconds * timeline.fps))
    v = project.settings.video
    spec = {"text": d.card, "frames": frames, "width": timeline.width, "height": timeline.height,
            "fps": timeline.fps, "crf": v.crf, "preset": v.preset, "version": COVER_VERSION}
    key = make_key("card", spec)
    path = cache.path("card", key, ".mp4")
    if not path.is_file():
        img = card_frame(d.card, timeline.width, timeline.height)
        tmp = cache.temp_path(path)
        with SegmentWriter(tmp, EncoderSettings(timeline.width, timeline.height, timeline.fps, v.crf, v.preset)) as w:
            for _ in range(frames):
                w.write(img)
        cache.commit(tmp, path)
        cache.did("card")
    return path, frames, key


def _video(out: _Outputs, path: Path, segments: list[Path], audio_key: str, audio_fn, sr: int, *, kind: str,
           episode: int, language: str | None, title: str) -> None:

    key = make_key("deliver-video", {"segments": [p.stem for p in segments], "audio": audio_key})
    if out.fresh(path, key):  # made from these very segments, which were checked when it was made
        out.done(path, key, False, kind, episode, language)
        return
    drafts = [p for p in segments if is_draft(p)]
    if drafts:  # a preview is never a deliverable
        raise BuildError(f"{path.name}: {drafts[0]} is a draft render (build --draft); deliver only takes "
                         "full-quality shots: run 'reelwright build' without --draft")
    meta = {"title": title}
    if language:
        meta["language"] = language
    assemble(path, segments, audio_fn(), sr, metadata=meta)
    out.cache.did("deliver-video")
    out.done(path, key, True, kind, episode, language)


def _wav(out: _Outputs, path: Path, key: str, data_fn, sr: int, *, kind: str, episode: int) -> None:
    if out.fresh(path, key):
        out.done(path, key, False, kind, episode, None)
        return
    write_wav(path, Audio(data_fn(), sr))
    out.done(path, key, True, kind, episode, None)


def deliver_project(project: Project, episodes: str | None = None, *, languages: str | list[str] | None = None,
                    dub: str | list[str] | None = None, provider: str | None = None, workers: int | None = None,
                    quiet: bool = True, cache: Cache | None = None, out_dir: Path | None = None) -> DeliverReport:
    """Write the delivery package of each (chosen) episode and the manifest; see the module doc."""

    d = project.settings.delivery
    numbers = parse_episode_spec(episodes, list(project.episodes))
    extra = parse_languages(languages) if languages is not None else list(d.languages)
    dubs = parse_languages(dub) if dub is not None else list(d.dub)
    cache = cache or Cache(project.cache_dir, project.lock_path)
    root = Path(out_dir) if out_dir else project.build_dir / "deliver"
    report = DeliverReport(numbers)
    out = _Outputs(cache, report, root)
    try:
        report.build = built = build(project, numbers, workers=workers, quiet=quiet, cache=cache)
        medias = {n: episode_media(project, built.results[n], cache, workers=workers, quiet=quiet) for n in numbers}
        wanted = {n: list(dict.fromkeys([project.language(n), *extra, *dubs, *d.subtitled])) for n in numbers}
        report.languages = wanted
        translator = None
        if any(lang != project.language(n) for n in numbers for lang in wanted[n]):
            translator = Translator(text_provider(project, provider), cache, retries=d.retries,
                                    seed=project.settings.writing.seed, batch=d.batch)
        all_langs = list(dict.fromkeys(lang for n in numbers for lang in wanted[n]))
        if update_glossary(project, all_langs, translator):
            report.written.append(project.root / GLOSSARY)
        glossary: Glossary = load_glossary(project)
        for number in numbers:
            media = medias[number]
            tl = media.timeline
            tag, sr, own = media.tag, tl.sample_rate, media.language
            folder = root / tag
            title = project.settings.project.title
            rules = subtitle_rules(project, tl.fps)
            card, card_frames, card_key = _card_segment(project, tl, cache)
            lead = [card] if card else []
            pad = round(card_frames * sr / tl.fps)
            mix_key = cache.lock.artifacts[f"{tag}/mix"].key

            def with_card(samples: np.ndarray) -> np.ndarray:
                return np.pad(samples, ((pad, 0), (0, 0))) if pad else samples

            mix_audio = lambda: with_card(read_wav(media.mix).samples)  # noqa: E731
            audio_key = make_key("deliver-audio", {"mix": mix_key, "card": card_key, "frames": card_frames})
            _video(out, folder / f"{tag}.master.mp4", lead + media.clean, audio_key, mix_audio, sr, kind="master",
                   episode=number, language=None, title=f"{title} — {tag}")
            tracks = {}
            for lang in wanted[number]:
                track = localise_track(project, number, tl, lang, translator, glossary, rules)
                tracks[lang] = track
                report.problems += [f"{tag} {lang}: {p}" for p in track.problems]
                written, _ = write_track(track, folder, tl, shift=card_frames, suffix=f".{lang}")
                cache.did("deliver-subtitles", len(written))
                for fmt in ("srt", "ass", "vtt"):
                    p = folder / f"{tag}.{lang}.{fmt}"
                    out.done(p, file_sha256(p), p in written, "subtitles", number, lang)
            for lang in dict.fromkeys([own, *d.subtitled]):
                track = tracks[lang]
                cues = [Cue(start=c.start, end=c.end, text=c.text, line=c.line) for c in track.dialogue_cues()]
                segs = render_specs(text_specs(project, tl, cues, {ts.shot.id: track.captions.get(ts.shot.id)
                                                                   for ts in tl.shots}),
                                    cache, f"{tag}/subtitled-{lang}/", workers=workers, project=project, quiet=quiet)
                _video(out, folder / f"{tag}.subtitled.{lang}.mp4", lead + segs, audio_key, mix_audio, sr,
                       kind="subtitled", episode=number, language=lang, title=f"{title} — {tag}")
            # stems, at their level in the mix (dialogue + M&E = the mix, short of the limiter)
            stem_key = make_key("deliver-stems", {"mix": mix_key, "card": card_key, "frames": card_frames})
            total = round(tl.frames * sr / tl.fps)

            stems_cache: dict[str, np.ndarray] = {}

            def stems() -> dict[str, np.ndarray]:
                if not stems_cache:
                    stems_cache.update(zip(("dialogue", "me"), episode_stems(media, total, sr)))
                return stems_cache

            if media.me is None:
                report.notes.append(f"{tag}: no music or effects in this episode; the M&E stem is silence")
            _wav(out, folder / f"{tag}.dialogue.wav", stem_key, lambda: with_card(stems()["dialogue"]), sr,
                 kind="dialogue stem", episode=number)
            _wav(out, folder / f"{tag}.me.wav", stem_key, lambda: with_card(stems()["me"]), sr, kind="m&e stem",
                 episode=number)
            # covers
            best = strongest_close_up(tl)
            looks = subject_looks(project.bible, best.shot.subjects)
            still = None
            for lang in wanted[number]:
                series = _series_title(project, number, lang, glossary)
                label = episode_label(number, lang, tracks[lang].title)
                key = make_key("cover", {"shot": best.shot.model_dump(mode="json"), "looks": looks,
                                         "width": d.cover_width, "title": series, "label": label,
                                         "version": COVER_VERSION})
                paths = {a: folder / f"{tag}.cover.{lang}.{a}.png" for a in ("9x16", "3x4")}
                if all(out.fresh(p, key) for p in paths.values()):
                    for p in paths.values():
                        out.done(p, key, False, "cover", number, lang, {"shot": best.shot.id})
                    continue
                if still is None:
                    still = cover_still(best.shot, {k: Look.model_validate(v) for k, v in looks.items()},
                                        d.cover_width)
                for aspect, img in cover_images(still, best.shot, series, label).items():
                    save_png(img, paths[aspect])
                    out.done(paths[aspect], key, True, "cover", number, lang, {"shot": best.shot.id})
            # dubbed versions
            if dubs:
                for lang in dubs:
                    if lang == own:
                        report.notes.append(f"{tag}: {lang} is the episode's own language; not dubbed")
                        continue
                    if cast_voices(project, glossary, lang):
                        save_document(glossary, project.root / GLOSSARY)
                    result = dub_episode(project, media, tracks[lang], glossary, cache,
                                         project.build_dir / "localise" / lang, workers=workers, quiet=quiet)
                    for src in result.files:
                        name = src.name.replace(f"{tag}.dub.", f"{tag}.dub.{lang}.")
                        dest = folder / name
                        changed = place_file(src, dest)
                        st = src.stat()
                        out.done(dest, f"{st.st_size}-{st.st_mtime_ns}", changed, "dub", number, lang)
                    report.notes.append(f"{tag} {lang} dub: {result.duration:.2f} s (original "
                                        f"{result.original_duration:.2f} s), {result.stretched_lines} of "
                                        f"{result.lines} lines stretched, picture extended "
                                        f"{result.extended_frames} frame(s), speech over the bed "
                                        f"{result.speech_over_bed_db} dB (quietest line)")
            listed = {e["path"] for e in out.entries}
            for stale in folder.glob(f"{tag}.*"):  # outputs of languages or versions no longer asked for
                if stale.is_file() and stale.relative_to(root).as_posix() not in listed:
                    stale.unlink()
        report.manifest = _write_manifest(root, project, out.entries)
        report.work = dict(cache.work)
    finally:
        cache.save_lock()
    return report

"""`reelwright localise`: translated subtitle tracks (and dubs) for built episodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reelwright.build.pipeline import BuildReport, build
from reelwright.documents.base import atomic_write_text, load_own_document, save_document
from reelwright.documents.timeline import Timeline
from reelwright.errors import InputError
from reelwright.export.media import episode_media
from reelwright.localise.dub import DubResult, dub_episode
from reelwright.localise.tracks import (
    GLOSSARY,
    Track,
    caption_windows,
    cast_voices,
    load_glossary,
    localise_track,
    parse_languages,
    review_text,
    subtitle_rules,
    text_provider,
    update_glossary,
    write_track,
)
from reelwright.localise.translate import TranslationError, Translator
from reelwright.progress import Progress
from reelwright.project.cache import Cache
from reelwright.project.folder import Project, episode_outputs, parse_episode_spec


@dataclass
class LocaliseReport:
    episodes: list[int]
    languages: list[str]
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    tracks: dict[tuple[int, str], Track] = field(default_factory=dict)
    dubs: dict[tuple[int, str], DubResult] = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    build: BuildReport | None = None  # the build localisation asked for (a freshness check when nothing changed)

    @property
    def problems(self) -> list[str]:
        return [f"ep{e:03d} {lang}: {p}" for (e, lang), t in self.tracks.items() for p in t.problems]

    def summary(self) -> str:
        s = self.stats
        asked = f", {s.get('calls', 0)} model call(s), {s.get('cached', 0)} line(s) from the cache" if s else ""
        done = (f"localised {len(self.episodes)} episode(s) into {', '.join(self.languages)}: "
                f"{len(self.written)} file(s) written, {len(self.kept)} up to date{asked}")
        return done if self.build is None else f"{self.build.brief()}\n{done}"


def localise_project(project: Project, languages: str | list[str], episodes: str | None = None, *,
                     dub: bool = False, provider: str | None = None, quiet: bool = True, workers: int | None = None,
                     cache: Cache | None = None, out_dir: Path | None = None) -> LocaliseReport:
    """Subtitle tracks (and with ``dub`` dubbed versions) of the episodes in ``languages``."""

    langs = parse_languages(languages)
    if not langs:
        raise InputError("name the languages, e.g. --to en,zh,es")
    numbers = parse_episode_spec(episodes, list(project.episodes))
    cache = cache or Cache(project.cache_dir, project.lock_path)
    out_dir = Path(out_dir) if out_dir else project.build_dir / "localise"
    report = LocaliseReport(numbers, langs)
    d = project.settings.delivery
    try:
        report.build = built = build(project, numbers, workers=workers, quiet=quiet, cache=cache)
        needs_model = any(project.language(n) != lang for n in numbers for lang in langs)
        translator = None
        if needs_model:
            translator = Translator(text_provider(project, provider), cache, retries=d.retries,
                                    seed=project.settings.writing.seed, batch=d.batch)
        if update_glossary(project, langs, translator):
            report.written.append(project.root / GLOSSARY)
        glossary = load_glossary(project)
        failed: list[str] = []
        for number in numbers:
            timeline = load_own_document(episode_outputs(project, number)["timeline"], Timeline)
            rules = subtitle_rules(project, timeline.fps)
            for lang in langs:
                src = project.episodes[number].episode
                n = len(timeline.audio) + len(caption_windows(timeline)) + bool(src.title)  # lines, captions, title
                with Progress(f"ep{number:03d} {lang} translate", n,
                              enabled=not quiet and lang != project.language(number)) as bar:
                    if translator is not None:
                        translator.on_item = bar.advance
                    try:
                        track = localise_track(project, number, timeline, lang, translator, glossary, rules)
                    except TranslationError as exc:  # the other tracks still get made (a night is not lost)
                        failed.append(f"ep{number:03d} {lang}: {exc}")
                        continue
                report.tracks[(number, lang)] = track
                folder = out_dir / lang
                written, kept = write_track(track, folder, timeline)
                review = folder / f"ep{number:03d}.json"
                text = review_text(track, project)
                if review.is_file() and review.read_text(encoding="utf-8") == text:
                    kept.append(review)
                else:
                    atomic_write_text(review, text)
                    written.append(review)
                report.written += written
                report.kept += kept
        if dub:
            for lang in langs:
                if cast_voices(project, glossary, lang):
                    save_document(glossary, project.root / GLOSSARY)
            for number in numbers:
                for lang in langs:
                    if lang == project.language(number):
                        report.notes.append(f"ep{number:03d}: {lang} is the episode's own language; not dubbed")
                        continue
                    if (number, lang) not in report.tracks:
                        continue  # its translation failed (named below)
                    media = episode_media(project, built.results[number], cache, workers=workers, quiet=quiet)
                    result = dub_episode(project, media, report.tracks[(number, lang)], glossary, cache,
                                         out_dir / lang, workers=workers, quiet=quiet)
                    report.dubs[(number, lang)] = result
                    (report.written if result.written else report.kept).extend(result.files)
        if translator is not None:
            report.stats = translator.stats.as_dict()
        if failed:
            done = len(report.tracks)
            raise TranslationError(f"{len(failed)} track(s) not localised ({done} made and kept):\n"
                                   + "\n".join(failed))
    finally:
        cache.save_lock()
    return report

"""Localisation: the glossary, translated subtitle tracks timed to each language's rules, dubbed versions.

``reelwright localise DIR --to en,es`` writes, per episode and language, under
``build/localise/<lang>/``: ``epNNN.srt``, ``.ass``, ``.vtt`` and
``epNNN.json`` (every line beside its source, for review); with ``--dub`` also
``epNNN.dub.mp4`` (see :mod:`reelwright.localise.dub`). The episode's own language gets
the same treatment without translation, so every track is timed by one set of
rules.

Timing: each line owns the time from its first spoken sample to the next
line's (or the episode's end). Its text is split into cues of at most two lines
(16 characters a line with CJK text, 29 otherwise) shown at least while it is
heard and as long as reading needs at ``[targets] reading_cps_latin`` (17) or
``reading_cps_cjk``; the translation's length budget comes from that window, so
a translation that fits its budget always keeps the rules.

The glossary (``glossary.yaml``) starts from the bible: characters (required in
every translation of a line that names them), locations and props (hints), the
script titles. Missing renderings are filled per language (same script: kept;
Chinese names in a Latin language: pinyin; otherwise the text provider); what
you write there wins.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from reelwright.documents.base import atomic_write_text, load_document, save_document
from reelwright.documents.bible import Voice
from reelwright.documents.glossary import Glossary, Term
from reelwright.documents.script import plain
from reelwright.documents.timeline import Timeline
from reelwright.errors import InputError, ProviderError
from reelwright.export import delivery_rules
from reelwright.localise.translate import Item, Translator, script_of
from reelwright.media.subtitles import (
    SUBTITLE_FORMATS,
    SubCue,
    SubtitleRules,
    cue_problems,
    layout_text,
    merge_captions,
    subtitle_string,
    track_problems,
)
from reelwright.project.folder import EN_VOICES, ESPEAK_VOICES, Project, language_of
from reelwright.providers.registry import get_provider
from reelwright.providers.text import TextProvider
from reelwright.timebase import Timebase

__all__ = ["GLOSSARY", "Track", "load_glossary", "update_glossary", "cast_voices",
           "line_windows", "localise_track", "write_track", "parse_languages",
           "text_provider", "subtitle_rules"]

GLOSSARY = "glossary.yaml"
_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "慕容", "皇甫", "令狐", "尉迟", "长孙", "南宫")


def parse_languages(spec: str | list[str] | None) -> list[str]:
    if spec is None:
        return []
    codes = [c.strip() for c in (spec.split(",") if isinstance(spec, str) else spec) if c.strip()]
    bad = [c for c in codes if not _CODE.match(c)]
    if bad:
        raise InputError(f"bad language code(s) {', '.join(bad)}: expected codes like en,zh,es,pt,id,th,ja,ko")
    return list(dict.fromkeys(codes))


def subtitle_rules(project: Project, fps: int) -> SubtitleRules:
    return delivery_rules(project, fps)


def text_provider(project: Project, name: str | None = None):
    name = name or project.settings.providers.text
    provider = get_provider(f"text:{name}", project.settings.provider_options("text", name), root=project.root)
    if not isinstance(provider, TextProvider):
        raise ProviderError(f"text:{name} is not a text provider")
    return provider


# ---- the glossary --------------------------------------------------------------------------------

def _lang_of(text: str, default: str) -> str:
    return "zh" if re.search(r"[\u4e00-\u9fff]", text) else default


def load_glossary(project: Project) -> Glossary:
    path = project.root / GLOSSARY
    return load_document(path, Glossary) if path.is_file() else Glossary()


def _titles(project: Project) -> list[tuple[str, str]]:
    out = []
    for src in project.episodes.values():
        doc = src.document
        title = doc.title or doc.title_page.get("Title") or doc.title_page.get("title")
        if title:
            out.append((plain(title), "zh" if doc.format == "zh" else project.settings.project.language))
    if not out and project.settings.project.title:
        out.append((project.settings.project.title, project.settings.project.language))
    return list(dict.fromkeys(out))


def _seed_terms(project: Project, glossary: Glossary) -> bool:
    """Add the bible's names, places and props and the script titles that the glossary lacks."""
    base = project.settings.project.language
    changed = False

    def add(source: str, kind: str, required: bool, note: str = "") -> None:
        nonlocal changed
        source = source.strip()
        if source and glossary.term(source) is None:
            glossary.terms.append(Term(source=source, language=_lang_of(source, base), kind=kind,
                                       required=required, note=note))
            changed = True

    for c in project.bible.characters:
        for name in [c.name, *c.aliases]:
            add(name, "character", True, c.description[:80])
    for loc in project.bible.locations:
        add(loc.name, "location", False)
    for prop in project.bible.props:
        add(prop.name, "prop", False)
    for title, _ in _titles(project):
        add(title, "title", False)
    return changed


def _pinyin_name(name: str) -> str:
    from pypinyin import lazy_pinyin  # noqa: PLC0415

    syl = lazy_pinyin(name)
    cut = 2 if name[:2] in _COMPOUND_SURNAMES else 1
    surname, given = "".join(syl[:cut]), "".join(syl[cut:])
    return " ".join(p.capitalize() for p in (surname, given) if p)


def _rule_rendering(term: Term, language: str) -> str | None:
    """A rendering decided without a model, or None. Names written in capitals (a Fountain cue) read as names."""
    s_src, s_dst = script_of(term.language), script_of(language)
    name = term.source.title() if term.kind == "character" and s_src == "latin" and term.source.isupper() \
        else term.source
    if term.language == language:
        return name
    if term.kind == "character":
        if s_src == "latin" and s_dst == "latin":
            return name
        if s_src == "han" and s_dst == "latin":
            return _pinyin_name(term.source)
        if s_src == "han" and s_dst == "kana":
            return term.source
    return None


def update_glossary(project: Project, languages: list[str], translator: Translator | None) -> bool:
    """Create or extend ``glossary.yaml``: new terms from the bible, missing renderings for ``languages``.

    Returns True when the file was written. Existing entries are never changed."""
    path = project.root / GLOSSARY
    glossary = load_glossary(project)
    changed = _seed_terms(project, glossary) or not path.is_file()
    for language in languages:
        ask: dict[str, list[Term]] = {}
        for term in glossary.terms:
            if term.translations.get(language, "").strip():
                continue
            rendering = _rule_rendering(term, language)
            if rendering is not None:
                term.translations = {**term.translations, language: rendering}
                changed = True
            else:
                ask.setdefault(term.language, []).append(term)
        for src_lang, terms in ask.items():
            if translator is None:
                continue
            items = [Item(key=f"term:{i}", text=t.source, kind="term", budget=max(30, 4 * len(t.source)),
                          character="" if t.kind != "character" else "person name")
                     for i, t in enumerate(terms)]
            got = translator.translate(items, src_lang, language)
            for i, t in enumerate(terms):
                t.translations = {**t.translations, language: got[f"term:{i}"]}
            changed = True
    if changed:
        save_document(glossary, path)
    return changed


def cast_voices(project: Project, glossary: Glossary, language: str) -> bool:
    """Give every bible character a dub voice in ``language`` (kept once chosen; edit glossary.yaml to change)."""

    cast = dict(glossary.voices.get(language, {}))
    provider = project.settings.speech_for(language)
    changed = False
    counts: dict[str, int] = {}
    for c in project.bible.characters:
        g = c.gender if c.gender in ("female", "male") else ""
        index = counts.get(g, 0)
        counts[g] = index + 1
        if c.name in cast:
            continue
        own = project.settings.speech_for(language_of(c.name, project.settings.project.language))
        if c.voice.provider in (None, provider) and own == provider:
            voice = c.voice.model_copy(update={"dialect": ""})  # a dub speaks the language as standard
        elif provider == "piper":
            pitch, rate = EN_VOICES[g][index % len(EN_VOICES[g])]
            voice = Voice(pitch=pitch + 1.5 * (index // len(EN_VOICES[g])), rate=rate)
        else:
            pal = ESPEAK_VOICES[g]
            voice = Voice(voice=pal[index % len(pal)], pitch=2.0 * (index // len(pal)), rate=1.0)
        cast[c.name] = voice
        changed = True
    if changed:
        glossary.voices = {**glossary.voices, language: cast}
    return changed


# ---- tracks --------------------------------------------------------------------------------------

def line_windows(timeline: Timeline) -> dict[int, tuple[int, int, int]]:
    """Dialogue index → (first frame heard, frame after the last heard, frame the next line starts)."""
    from fractions import Fraction  # noqa: PLC0415


    tb = Timebase(Fraction(timeline.fps), timeline.sample_rate)
    clips = sorted(timeline.audio, key=lambda c: c.start)
    starts = [tb.samples_to_frames(c.start) for c in clips]
    out = {}
    for i, c in enumerate(clips):
        end = starts[i] + tb.samples_to_frames(c.samples, ceil=True)
        nxt = starts[i + 1] if i + 1 < len(clips) else timeline.frames
        out[c.line] = (starts[i], min(end, nxt), max(nxt, starts[i] + 1))
    return out


def caption_windows(timeline: Timeline) -> dict[str, tuple[str, int, int]]:
    """Shot id → (caption, first frame, end frame) for shots that show on-screen text."""
    return {ts.shot.id: (ts.shot.caption, ts.start, ts.start + ts.frames) for ts in timeline.shots
            if ts.shot.caption and ts.shot.size != "INSERT"}


@dataclass
class Track:
    episode: int
    language: str
    source_language: str
    cues: list[SubCue]
    lines: dict[int, str]  # dialogue index → text in this language
    captions: dict[str, str]  # shot id → on-screen text in this language
    title: str | None
    problems: list[str] = field(default_factory=list)

    def dialogue_cues(self) -> list[SubCue]:
        return [c for c in self.cues if c.kind == "dialogue"]


def build_cues(timeline: Timeline, lines: dict[int, str], captions: dict[str, str], rules: SubtitleRules
                ) -> list[SubCue]:
    windows = line_windows(timeline)
    dialogue: list[SubCue] = []
    for line, (start, heard, end) in sorted(windows.items(), key=lambda kv: kv[1][0]):
        if lines.get(line):
            dialogue += layout_text(lines[line], start, heard, end, rules, line=line)
    caps: list[SubCue] = []
    for shot_id, (_, start, end) in caption_windows(timeline).items():
        if captions.get(shot_id):
            caps += layout_text(captions[shot_id], start, end, end, rules, kind="caption")
    return merge_captions(dialogue, caps, max(1, round(rules.min_seconds * rules.fps)))


def localise_track(project: Project, number: int, timeline: Timeline, language: str,
                   translator: Translator | None, glossary: Glossary, rules: SubtitleRules) -> Track:
    """The episode's subtitle track in ``language`` (translated unless it is the episode's own)."""
    src = project.episodes[number]
    source_language = project.language(number)
    source_lines = {i: plain(d.written) for i, d in enumerate(src.episode.dialogue())}  # standard text
    dialogue = {i: d for i, d in enumerate(src.episode.dialogue())}
    captions = {k: v[0] for k, v in caption_windows(timeline).items()}
    title = plain(src.episode.title) if src.episode.title else None
    if language == source_language:
        lines, caps, t = source_lines, captions, title
    else:
        if translator is None:
            raise ProviderError("a text provider is needed to translate")
        windows = line_windows(timeline)
        cjk = script_of(language) in ("han", "kana", "hangul")
        items: list[Item] = []
        for line, text in source_lines.items():
            if line not in windows or not text.strip():
                continue
            start, heard, end = windows[line]
            d = dialogue[line]
            items.append(_item(f"line:{line}", text, "dialogue", glossary, language, rules.budget(end - start, cjk),
                               character=d.character, emotion=d.emotion or "",
                               speaker_as=[r for _, r in glossary.pairs(d.character, language)],
                               check=_speed_check(start, heard, end, rules)))
        cap_spans = caption_windows(timeline)
        for shot_id, text in captions.items():
            _, start, end = cap_spans[shot_id]
            items.append(_item(f"caption:{shot_id}", text, "caption", glossary, language,
                               rules.budget(end - start, cjk), check=_speed_check(start, end, end, rules)))
        if title:
            items.append(_item("title", title, "title", glossary, language, 40))
        context = "\n".join(f"{d.character}: {source_lines[i]}" for i, d in list(dialogue.items())[:3])
        got = translator.translate(items, source_language, language, context=context,
                                   fixed=lambda text: glossary.fixed(text, language))
        lines = {int(k.split(":", 1)[1]): v for k, v in got.items() if k.startswith("line:")}
        caps = {k.split(":", 1)[1]: v for k, v in got.items() if k.startswith("caption:")}
        t = got.get("title")
    cues = build_cues(timeline, lines, caps, rules)
    return Track(number, language, source_language, cues, lines, caps, t, track_problems(cues, rules))


def _item(key: str, text: str, kind: str, glossary: Glossary, language: str, budget: int, **kw) -> Item:
    return Item(key=key, text=text, kind=kind, budget=budget, terms=glossary.pairs(text, language),
                required=glossary.pairs(text, language, required_only=True), **kw)


def _speed_check(start: int, heard: int, end: int, rules: SubtitleRules):
    def check(text: str) -> list[str]:
        cues = layout_text(text, start, heard, end, rules)
        if not cues:
            return ["it is empty"]
        problems = [p for c in cues for p in cue_problems(c, rules)]
        if problems:
            secs = (end - start) / rules.fps
            return [f"too long to read in its {secs:.1f} s ({len(text)} characters): say it shorter"]
        return []

    return check


def write_track(track: Track, folder: Path, timeline: Timeline, *, shift: int = 0, suffix: str = ""
                ) -> tuple[list[Path], list[Path]]:
    """Write SRT, ASS and WebVTT (and the review JSON) for ``track``; returns (written, unchanged)."""

    tag = f"ep{track.episode:03d}{suffix}"
    cues = [c.shifted(shift) for c in track.cues] if shift else track.cues
    files = {folder / f"{tag}.{fmt}": subtitle_string(cues, fmt, fps=timeline.fps, width=timeline.width,
                                                        height=timeline.height, language=track.language,
                                                        title=track.title or "")
             for fmt in SUBTITLE_FORMATS}
    written, kept = [], []
    for path, text in files.items():
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            kept.append(path)
        else:
            atomic_write_text(path, text)
            written.append(path)
    return written, kept


def review_text(track: Track, project: Project) -> str:
    src = project.episodes[track.episode].episode
    return json.dumps({
        "episode": track.episode, "language": track.language, "source_language": track.source_language,
        "title": track.title,
        "lines": [{"line": i, "character": d.character, "source": plain(d.written), "text": track.lines.get(i, "")}
                  for i, d in enumerate(src.dialogue())],
        "captions": track.captions, "problems": track.problems}, ensure_ascii=False, indent=2) + "\n"


# ---- the command ---------------------------------------------------------------------------------

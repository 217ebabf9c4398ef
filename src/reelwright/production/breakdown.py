"""Break the scripts down: every scene's set, cast, costumes, props, effects and length → ``breakdown.yaml``.

Elements come from the scripts (scene headings, 人物 lists, speakers, action lines), the bible
(characters and aliases, props, wardrobe) and the vocabulary of the script's language
(:mod:`reelwright.production.vocabulary`). The project's text provider can be asked for what the words
miss (``provider=``); its answers are kept only when every element it names is written in the scene, and
are cached by the scene's text. Lengths come from the cut when the episode is built and its timeline is
newer than its script, otherwise from the one estimator the writing stage uses (``stages/timing``);
Fountain scenes also get eighths of a page.

Re-running keeps the producer's edits the way boards keep the user's: a field changed from what was
generated last time (kept in ``build/cache/breakdown/``) stays; everything else follows the scripts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reelwright.documents.base import load_document, load_own_document, save_document
from reelwright.documents.breakdown import BREAKDOWN_FILE, Breakdown, CastEntry, PropUse, SceneBreakdown
from reelwright.documents.script import Action, Episode, plain
from reelwright.documents.timeline import Timeline
from reelwright.errors import InputError
from reelwright.production.continuity import (Conflict, check_breakdown, dress_cast, persist_injuries, read_cue,
                                              story_days)
from reelwright.production.scene import Found, ScenePart, eighths, read_scene, same_people, scene_parts
from reelwright.production.vocabulary import vocabulary
from reelwright.progress import progress
from reelwright.project.cache import Cache, make_key
from reelwright.project.folder import Project
from reelwright.providers.text import array, obj, schema_errors, string
from reelwright.stages.board import is_strong, merge_fields
from reelwright.stages.timing import element_times

__all__ = ["build_breakdown", "update_breakdown", "merge_breakdown", "BreakdownResult", "BREAKDOWN",
           "eighths", "scene_parts", "ScenePart", "load_breakdown"]

BREAKDOWN = BREAKDOWN_FILE
ASK_VERSION = 1
# what a scene's script fields are: without a previous generation, only these follow the script
_SCRIPT_FIELDS = ("id", "episode", "scene", "number", "heading", "source", "set", "int_ext", "time_of_day", "night",
                  "synopsis", "eighths", "frames", "length_from")


# ---- lengths --------------------------------------------------------------------------------------

def _cut_frames(project: Project, number: int, fps: int) -> dict[int, int] | None:
    """Frames per scene from the built episode's timeline, when it is newer than the script."""
    path = project.build_dir / f"ep{number:03d}.timeline.json"
    src = project.episodes[number].path
    if not path.is_file() or path.stat().st_mtime < src.stat().st_mtime:
        return None
    try:
        timeline = load_own_document(path, Timeline)
    except InputError:
        return None
    out: dict[int, int] = {}
    for ts in timeline.shots:
        out[ts.shot.scene] = out.get(ts.shot.scene, 0) + ts.frames - ts.fade_in
    scale = fps / timeline.fps
    return {k: round(v * scale) for k, v in out.items()}


def _estimated_frames(episode: Episode, parts: list[ScenePart], fps: int) -> list[int]:
    times = element_times(episode, is_strong)  # the one estimator, as the writing stage uses it
    seconds = {id(el): end - start for el, (start, end) in zip(episode.elements, times)}
    out = []
    for part in parts:
        total = seconds.get(id(part.heading), 0.0) if part.heading else 0.0
        total += sum(seconds.get(id(el), 0.0) for el in part.elements)
        out.append(max(1, round(total * fps)))
    return out


# ---- the text provider's help ---------------------------------------------------------------------

def _ask_provider(provider, cache: Cache | None, sc: SceneBreakdown, text: str, language: str) -> dict:
    """Elements the model finds in ``text``; only those written in the scene are kept (cached by text)."""
    cats = ("props", "set_dressing", "vehicles", "animals", "makeup", "sfx", "stunts")
    key = make_key("breakdown-ask", {"text": text, "provider": provider.identity(), "v": ASK_VERSION})
    if cache is not None and (hit := cache.read_json("breakdown", key)) is not None:
        return hit
    schema = obj({c: array(string(40), 0, 12) for c in cats})
    lang = "Chinese" if language == "zh" else "English"
    messages = [{"role": "system", "content": "You are a film line producer breaking down a script scene. List "
                 "only physical things a department must bring, each copied word for word from the scene."},
                {"role": "user", "content": f"Scene ({lang}):\n{text}\n\nAnswer with JSON: for each of "
                 f"{', '.join(cats)}, the items named in the scene (empty lists when none)."}]
    answer = provider.complete_json(messages, schema, name="breakdown", temperature=0.0)
    data = answer.data if isinstance(answer.data, dict) else {}
    kept: dict[str, list[str]] = {c: [] for c in cats}
    if not schema_errors(data, schema):
        low = text.casefold()
        for c in cats:
            kept[c] = [t.strip() for t in data.get(c, []) if t.strip() and t.strip().casefold() in low]
    if cache is not None:
        cache.write_json("breakdown", key, kept)
    return kept


# ---- the whole project ----------------------------------------------------------------------------

def build_breakdown(project: Project, *, provider=None, cache: Cache | None = None,
                    days: dict[str, tuple[int, bool]] | None = None, quiet: bool = True
                    ) -> tuple[Breakdown, dict[str, tuple[int, bool]]]:
    """The breakdown as generated from the scripts and the bible (no producer edits), and the inferred
    ``(story_day, flashback)`` of each scene id.

    ``days`` overrides the inferred days of scenes by id (the producer's corrections), so costumes and
    injuries spread over the days the producer set.
    """
    project.sync_bible(save=False)
    lines: dict[str, int] = {}
    for src in project.episodes.values():
        for d in src.episode.dialogue():
            lines[d.character] = lines.get(d.character, 0) + 1
    bible = same_people(project.bible, lines)
    fps = project.settings.video.fps
    bible_props = [p.name for p in bible.props]
    wardrobe = [w.strip().rstrip(".") for c in bible.characters for w in c.wardrobe if 0 < len(w.strip()) <= 30]
    found: list[Found] = []
    cues = []
    with progress("breakdown", len(project.episodes), enabled=not quiet) as bar:
        for number, src in project.episodes.items():
            vocab = vocabulary(project.language(number))
            parts = scene_parts(src.episode)
            cut = _cut_frames(project, number, fps)
            estimate = _estimated_frames(src.episode, parts, fps)
            rel = _relative(src.path, project.root)
            for i, part in enumerate(parts, start=1):
                f = read_scene(part, number, i, rel, bible, vocab, bible_props, wardrobe, project.night)
                sc = f.scene
                if cut and i in cut:
                    sc.frames, sc.length_from = max(1, cut[i]), "cut"
                else:
                    sc.frames, sc.length_from = estimate[i - 1], "estimate"
                if src.document.format == "fountain":
                    sc.eighths = eighths(part)
                if provider is not None:
                    text = "\n".join(plain(el.text) for el in part.elements if isinstance(el, Action))
                    if text.strip():
                        extra = _ask_provider(provider, cache, sc, text, project.language(number))
                        for cat, terms in extra.items():
                            if cat == "props":
                                have = {p.name.casefold() for p in sc.props}
                                sc.props += [PropUse(name=t) for t in terms if t.casefold() not in have]
                            else:
                                lst = getattr(sc, cat)
                                lst += [t for t in terms if t not in lst]
                found.append(f)
                cues.append((read_cue(part.cues), part.heading.time if part.heading else "", part.bracketed))
            bar.advance(1, f"ep{number:03d}")
    scenes = [f.scene for f in found]
    inferred = {}
    for sc, (day, flashback) in zip(scenes, story_days(cues)):
        inferred[sc.id] = (day, flashback)
        sc.story_day, sc.flashback = days[sc.id] if days and sc.id in days else (day, flashback)
    named = {(f.scene.id, who): g for f in found for who, g in f.garments.items()}
    changes = {(f.scene.id, who) for f in found for who in f.changes}
    dress_cast(scenes, named, changes)
    persist_injuries(scenes, {(f.scene.id, who) for f in found for who in f.heals})
    return Breakdown(title=bible.title or project.settings.project.title, fps=fps, scenes=scenes), inferred


def _relative(path: Path, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)


def _merge_list(fresh: list, mine: list, base: list | None, key: str, cls) -> list:
    """Entries matched by ``key``: each merged field by field; the producer's added entries kept, the
    ones they deleted left out."""
    old = {getattr(e, key): e for e in mine}
    gen = {getattr(e, key): e for e in base} if base is not None else {}
    out = []
    for e in fresh:
        k = getattr(e, key)
        if k not in old:
            if k in gen:
                continue  # generated last time and deleted by the producer
            out.append(e)
            continue
        b = gen[k].model_dump() if k in gen else None
        out.append(cls.model_validate(merge_fields(e.model_dump(), old[k].model_dump(), b, (key,))))
    fresh_keys = {getattr(e, key) for e in fresh}
    out += [e for k, e in old.items() if k not in fresh_keys and k not in gen]
    return out


def merge_breakdown(fresh: Breakdown, existing: Breakdown | None, previous: Breakdown | None = None) -> Breakdown:
    """Keep the producer's edits (as :func:`reelwright.stages.board.merge_board` keeps board edits): scenes
    matched by id, cast by name; a field changed from what was generated stays, the rest follows the
    scripts. Without ``previous``, every field of an existing scene except the script-derived ones counts
    as the producer's."""
    if existing is None:
        return fresh
    old = {s.id: s for s in existing.scenes}
    gen = {s.id: s for s in previous.scenes} if previous else {}
    scenes = []
    for sc in fresh.scenes:
        mine = old.get(sc.id)
        if mine is None:
            scenes.append(sc)
            continue
        base = gen.get(sc.id)
        fd, md = sc.model_dump(exclude={"cast"}), mine.model_dump(exclude={"cast"})
        bd = base.model_dump(exclude={"cast"}) if base else None
        data = merge_fields(fd, md, bd, _SCRIPT_FIELDS)
        if bd is not None and md["frames"] != bd["frames"]:
            data["length_from"] = "producer"
        data["cast"] = [c.model_dump() for c in _merge_list(sc.cast, mine.cast, base.cast if base else None,
                                                           "name", CastEntry)]
        scenes.append(SceneBreakdown.model_validate(data))
    data = merge_fields(fresh.model_dump(exclude={"scenes"}), existing.model_dump(exclude={"scenes"}),
                        previous.model_dump(exclude={"scenes"}) if previous else None, ("schema_version", "fps"))
    return Breakdown.model_validate({**data, "scenes": [s.model_dump() for s in scenes]})


@dataclass
class BreakdownResult:
    breakdown: Breakdown
    path: Path
    written: bool
    conflicts: list[Conflict]

    def summary(self) -> str:
        b = self.breakdown
        cast = {c.name for s in b.scenes for c in s.cast}
        props = {p.name for s in b.scenes for p in s.props}
        costumes = {(c.name, c.costume) for s in b.scenes for c in s.cast}
        eps = {s.episode for s in b.scenes}
        state = "written" if self.written else "unchanged"
        return (f"{self.path} {state}: {len(b.scenes)} scenes in {len(eps)} episode(s), {len(cast)} cast, "
                f"{len(costumes)} costumes, {len(props)} props, "
                f"{len({s.location for s in b.scenes})} locations; {len(self.conflicts)} continuity conflict(s)")


def load_breakdown(project: Project) -> Breakdown | None:
    path = project.root / BREAKDOWN
    return load_document(path, Breakdown) if path.exists() else None


def update_breakdown(project: Project, *, provider=None, quiet: bool = True) -> BreakdownResult:
    """Write ``breakdown.yaml`` from the scripts, keeping the producer's edits; return it with its conflicts."""
    path = project.root / BREAKDOWN
    cache = Cache(project.cache_dir)
    generated = cache.root / "breakdown" / "breakdown.generated.yaml"
    existing = load_breakdown(project)
    previous = load_document(generated, Breakdown) if generated.exists() else None
    days = None
    if existing is not None:  # the producer's story days steer costumes and injuries
        gen = {s.id: s for s in previous.scenes} if previous else {}
        days = {s.id: (s.story_day, s.flashback) for s in existing.scenes
                if s.id not in gen or (gen[s.id].story_day, gen[s.id].flashback) != (s.story_day, s.flashback)}
        if previous is None:
            days = {s.id: (s.story_day, s.flashback) for s in existing.scenes}
    fresh, inferred = build_breakdown(project, provider=provider, cache=cache, days=days, quiet=quiet)
    merged = merge_breakdown(fresh, existing, previous)
    written = save_document(merged, path)
    # as generated: the inferred story days, so a producer's correction stays an edit on every re-run
    as_generated = fresh.model_copy(deep=True)
    for sc in as_generated.scenes:
        sc.story_day, sc.flashback = inferred[sc.id]
    save_document(as_generated, generated)
    return BreakdownResult(merged, path, written, check_breakdown(merged))

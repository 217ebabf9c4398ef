"""Write: a premise or a novel excerpt → bible + season plan → episode scripts.

``write_premise`` creates or extends ``bible.yaml`` and ``season.yaml``;
``write_episodes`` writes ``scripts/epNNN.fountain`` (``.txt`` in the Chinese
format for a Chinese project) through the script writers, parses every file
back before it is saved, and records provider, model, seed and prompt hash in
the lock file. Structure comes from :mod:`reelwright.writing.plan`; the
model only fills the short fields asked in :mod:`reelwright.writing.prompts`.

Incremental: without an episode list only missing episodes are written; with
one, an episode is rewritten when what it is written from changed (or with
``force``), and other episodes are never touched. A file edited by hand since
it was written is kept unless ``force``. Answers are cached, so an interrupted
run resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from reelwright.project.cache import Cache, make_key
from reelwright.documents.base import atomic_write_text, load_document, read_text, save_document
from reelwright.documents.bible import Bible, Character, Location, Prop
from reelwright.documents.script import Action, Dialogue, DialoguePart, Episode, Note, SceneHeading, ScriptDocument
from reelwright.documents.season import EpisodePlan, Season
from reelwright.errors import BuildError, InputError, Problem, ProviderError
from reelwright.progress import Progress
from reelwright.project.folder import SETTINGS, Project, stable_int
from reelwright.providers.registry import get_provider
from reelwright.project.settings import Settings, default_settings_toml
from reelwright.providers.text import TextProvider
from reelwright.screenplay import parse_script, parse_text, write_chinese, write_fountain
from reelwright.writing import prompts as P
from reelwright.writing.ask import Writer, WriteStats, prompt_hash
from reelwright.writing.continuity import check_continuity
from reelwright.writing.genre import Genre
from reelwright.writing.period import period_of
from reelwright.writing.plan import element_times, estimate_seconds, plan_season, season_genre, seconds_per_line
from reelwright.writing.source import Person, SourceFacts, extract_facts, merge_facts, merge_people

__all__ = ["write_premise", "write_episodes", "check_project_continuity", "text_provider", "WriteReport",
           "SEASON", "split_text", "episode_spec"]

SEASON = "season.yaml"


@dataclass
class WriteReport:
    written: list[Path] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    durations: dict[int, float] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    stats: WriteStats = field(default_factory=WriteStats)

    def summary(self) -> str:
        parts = [f"wrote {len(self.written)} file(s)"]
        if self.skipped:
            parts.append(f"kept {len(self.skipped)}")
        s = self.stats
        parts.append(f"{s.asked} model answer(s), {s.cached} from cache")
        if s.asked:
            parts.append(f"{s.first_try_share:.0%} valid on the first try, {s.tokens_per_second:.1f} tok/s")
        return "; ".join(parts)


def text_provider(settings: Settings, name: str | None = None) -> TextProvider:
    name = name or settings.providers.text
    provider = get_provider(f"text:{name}", settings.provider_options("text", name))
    if not isinstance(provider, TextProvider):
        raise ProviderError(f"text:{name} is not a text provider")
    return provider


def _project(root: Path, language: str | None, create: bool = True):
    if create and not (root / SETTINGS).is_file():
        title = root.resolve().name.replace("-", " ").title()
        (root / "scripts").mkdir(parents=True, exist_ok=True)
        atomic_write_text(root / SETTINGS, default_settings_toml(title, language or "en"))
        atomic_write_text(root / ".gitignore", "build/\n")
    project = Project.load(root)
    if language and language != project.settings.project.language:
        raise InputError(f"the project's language is {project.settings.project.language!r}, not {language!r}; "
                         "change [project] language in reelwright.toml", path=root / SETTINGS)
    return project


def _cache(project) -> Cache:
    cache = Cache(project.cache_dir, project.lock_path)
    cache.clean_temp()
    return cache


def split_text(text: str, size: int) -> list[str]:
    """Paragraph-aligned chunks of about ``size`` characters (a paragraph longer than that is cut)."""
    chunks: list[str] = []
    current = ""
    for para in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        para = " ".join(para.split())
        while len(para) > size:
            chunks += [current] if current else []
            current = ""
            chunks.append(para[:size])
            para = para[size:]
        if current and len(current) + len(para) + 2 > size:
            chunks.append(current)
            current = ""
        current = f"{current}\n\n{para}".strip() if para else current
    if current:
        chunks.append(current)
    return chunks


def _lock(cache: Cache, name: str, key: str, provider: TextProvider, seed: int, phash: str, text: str) -> None:
    cache.record(name, "write", key, outputs=[name], provider=f"text:{provider.name}", model=provider.model_name,
                 seed=seed, inputs={"prompt_hash": phash, "sha256": _sha(text)})


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- premise -----------------------------------------------------------------------------------


def write_premise(root: str | Path, premise: str | None = None, *, source_text: str | None = None,
                  provider: str | None = None, episodes: int | None = None, target_seconds: int | None = None,
                  paywall_after: int | None = None, language: str | None = None, genre: str | None = None,
                  quiet: bool = False) -> WriteReport:
    """Create or extend the bible and the season plan from a premise and/or a source text.

    The people, places, objects, period and dialect the text states come first (:mod:`reelwright.writing.source`); the model
    describes them, and invents only the roles the genre needs that the source leaves open."""
    if not (premise and premise.strip()) and not (source_text and source_text.strip()):
        raise InputError("nothing to write from: give a premise or a source text")
    root = Path(root)
    project = _project(root, language)
    settings, bible = project.settings, project.bible
    lang = "zh" if settings.project.language == "zh" else "en"
    cfg = settings.writing
    text = text_provider(settings, provider)
    cache = _cache(project)
    writer = Writer(text, cache, seed=cfg.seed, retries=cfg.retries)
    report = WriteReport(stats=writer.stats)
    asks: list[P.Ask] = []

    def ask(a: P.Ask):
        asks.append(a)
        return writer.ask(a)

    premise = (premise or "").strip()
    chunks = split_text(source_text, cfg.chunk_chars) if source_text else []
    facts = extract_facts(premise, lang) if premise else SourceFacts(language=lang)
    from_source = SourceFacts(language=lang)
    bar = Progress("writing bible", len(chunks) + 4, enabled=not quiet)
    try:
        hints: dict[str, tuple[str, str]] = {}
        digests = []
        for i, chunk in enumerate(chunks, 1):
            merge_facts(from_source, extract_facts(chunk, lang))
            data = ask(P.ask_chunk(chunk, i, len(chunks), lang, known=from_source.names[:8]))
            digests.append(data["summary"])
            merge_people(from_source, [{"name": c["name"], "gender": c["gender"]} for c in data["characters"]],
                         chunk)
            for c in data["characters"]:
                hints.setdefault(c["name"], (c["gender"], c["description"]))
            bar.advance(note=f"source part {i}/{len(chunks)}")
        if chunks:  # a novel's people in the order of how much they appear; the premise's own people first
            from_source.people.sort(key=lambda p: (-p.mentions, p.first))
            from_source.people = from_source.people[:6]
            merge_facts(facts, from_source)
        digest = " ".join(digests)
        story = " ".join(filter(None, [premise, digest]))[:1500]
        if premise and (not facts.people or any(not p.gender for p in facts.people)):
            data = ask(P.ask_people(premise, lang))  # the model's help where the patterns found too little
            merge_people(facts, data["people"], premise)
        bar.advance(note="people")
        chosen = season_genre(bible, " ".join([premise, source_text or ""]), genre or cfg.genre)
        if genre or cfg.genre or not bible.genre:
            bible.genre = chosen.label[1 if lang == "zh" else 0]
        bible.tone = bible.tone or chosen.tone[1 if lang == "zh" else 0]
        if not bible.period:
            bible.period = facts.period.label if not facts.period.present else ("现代" if lang == "zh"
                                                                               else "present day")
        period = period_of(bible.period)
        bible.dialect = bible.dialect or facts.dialect
        lead = facts.people[0].name if facts.people else ""
        series = ask(P.ask_series(story, lang, chosen, lead))
        bar.advance(note="series")
        bible.logline = bible.logline or series["logline"]
        if not bible.title or bible.title == settings.project.title:
            bible.title = series["title"]
        series = {**series, "genre": bible.genre, "period": bible.period}
        cast = _cast_plan(bible, facts, chosen)
        bar.total += len(cast)
        for role, gender, person in cast:
            taken = [c.name for c in bible.characters]
            hint = hints.get(person.name, ("", ""))[1] if person else ""
            data = ask(P.ask_character(story, series, role, gender, taken, lang, genre=chosen, period=period,
                                       person=person, hint=hint, seed=cfg.seed))
            name = person.name if person else data["name"]
            character = _new_character(project, name, gender)
            job = person.job if person and person.job else data.get("job", "")
            description = data["description"]
            if job and job.casefold() not in description.casefold():
                description = f"{job}{'，' if lang == 'zh' else '; '}{description}"
            character = character.model_copy(update={
                "role": role, "gender": gender, "age": person.age if person and person.age else data.get("age"),
                "description": description,
                "aliases": list(person.aliases) if person else [],
                "goals": [data["goal"]], "secrets": [data["secret"]] if data.get("secret") else [],
                "wardrobe": data["wardrobe"],
                "look": character.look.model_copy(update={"description": data["look"]})})
            if person and bible.dialect and not character.voice.dialect:  # the source's people speak its dialect
                character = character.model_copy(update={
                    "voice": character.voice.model_copy(update={"dialect": bible.dialect})})
            bible.characters.append(Character.model_validate(character.model_dump()))
            bar.advance(note=f"{role}: {name}")
        _relate(bible, facts, chosen, lang)
        for place in facts.places:
            if bible.location(place) is None:
                bible.locations.append(Location(name=place, interior=_interior(place, lang),
                                                description=f"{facts.city} {place}".strip() if lang == "en"
                                                else f"{facts.city}{place}", palette=stable_int(place)))
        for thing in facts.objects:
            if not any(p.name.casefold() == thing.casefold() for p in bible.props):
                bible.props.append(Prop(name=thing, description=""))
        if len(bible.locations) < 3:
            data = ask(P.ask_places(story, series, bible.characters, lang, genre=chosen, period=period,
                                    known=[loc.name for loc in bible.locations], needed=3 - len(bible.locations)))
            for loc in data["locations"]:
                if bible.location(loc["name"]) is None:
                    bible.locations.append(Location(name=loc["name"], interior=loc["interior"],
                                                    description=loc["description"], palette=stable_int(loc["name"])))
            for prop in data["props"]:
                if not any(p.name.casefold() == prop["name"].casefold() for p in bible.props):
                    bible.props.append(Prop(name=prop["name"], description=prop["description"]))
        bar.advance(note="locations and props")
    finally:
        bar.close()
    season_path = root / SEASON
    existing = load_document(season_path, Season) if season_path.exists() else None
    named = [bible.character(p.name).name for p in facts.people if bible.character(p.name)]
    season = plan_season(bible, episodes=episodes or (existing.episode_count if existing else cfg.episodes),
                         target_seconds=target_seconds or (existing.target_seconds if existing else cfg.target_seconds),
                         paywall_after=paywall_after or (existing.paywall_after if existing else cfg.paywall_after),
                         language=lang, premise=story, existing=existing, genre=chosen, named=named)
    phash = prompt_hash(asks)
    key = make_key("write-premise", {"story": story, "provider": text.identity(), "seed": cfg.seed})
    for name, doc in (("bible.yaml", bible), (SEASON, season)):
        save_document(doc, root / name)
        _lock(cache, name, key, text, cfg.seed, phash, read_text(root / name))
        report.written.append(root / name)
    cache.save_lock()
    return report


_OUTSIDE = re.compile(r"street|road|lane|yard|garden|allotment|park|square|market|field|farm|harbour|dock|"
                      r"corner|街|巷|院子|胡同|弄堂|市场|村|田|河边|路口|门口|天台", re.I)


def _interior(place: str, lang: str) -> bool:
    return not _OUTSIDE.search(place)


def _role_for(word: str, genre: Genre, free: list[str]) -> str:
    """The genre role a relation word suggests ("wife" → partner in a family story; "family" may repeat), else the
    next free role."""
    w = word.casefold()
    table = {
        "partner": ("wife", "husband", "妻子", "丈夫", "老婆", "老公", "媳妇", "老伴"),
        "love interest": ("fiancé", "fiance", "fiancée", "ex-fiancé", "boyfriend", "girlfriend", "ex-boyfriend",
                          "ex-girlfriend", "未婚夫", "未婚妻", "男友", "女友", "前男友", "前女友", "恋人", "丈夫", "妻子",
                          "前夫", "前妻"),
        "antagonist": ("stepmother", "stepsister", "继母", "继妹", "继姐", "后妈", "前夫", "前妻", "仇人", "ex-husband",
                       "ex-wife"),
        "family": ("son", "daughter", "grandson", "granddaughter", "mother", "father", "stepson", "stepdaughter",
                   "brother", "sister", "儿子", "女儿", "孙子", "孙女", "母亲", "父亲", "妈妈", "爸爸", "继子", "继女",
                   "哥哥", "姐姐", "弟弟", "妹妹", "奶奶", "爷爷"),
        "neighbour": ("neighbour", "neighbor", "邻居"),
        "elder": ("mother", "father", "grandmother", "grandfather", "母亲", "父亲", "奶奶", "爷爷", "婆婆", "公公"),
        "rival": ("ex-fiancé", "ex-girlfriend", "ex-boyfriend", "前男友", "前女友"),
        "friend": ("friend", "best friend", "朋友", "好友", "闺蜜"),
    }
    for role in [r for r in genre.roles if r != "protagonist"]:
        if w and w in table.get(role, ()) and (role in free or role in ("family", "friend", "neighbour")):
            return role
    return free[0] if free else "supporting"


def _cast_plan(bible: Bible, facts: SourceFacts, genre: Genre) -> list[tuple[str, str, Person | None]]:
    """``(role, gender, person)`` for every character to write: the source's people first (their roles read from
    how they relate to the lead), then invented ones only for the roles the genre needs that nobody fills."""
    have = {c.role for c in bible.characters if c.role}
    for c in bible.characters:  # existing characters without a role take the first free roles, in bible order
        if not c.role:
            free = [r for r in genre.roles if r not in have]
            c.role = free[0] if free else "supporting"
            have.add(c.role)
    out: list[tuple[str, str, Person | None]] = []
    people = [p for p in facts.people if bible.character(p.name) is None]
    lead_person = facts.people[0] if facts.people else None
    for p in people:
        free = [r for r in genre.roles if r not in have]
        if "protagonist" in free and p is lead_person:
            role = "protagonist"
        else:
            word = (lead_person.relations.get(p.name) if lead_person else None) or next(
                (w for q in facts.people for o, w in q.relations.items() if o == p.name), "")
            role = _role_for(word, genre, [r for r in free if r != "protagonist"] or ["supporting"])
        have.add(role)
        out.append((role, p.gender or "female", p))
    lead_gender = next((g for r, g, _ in out if r == "protagonist"), None) or next(
        (c.gender for c in bible.characters if c.role == "protagonist" and c.gender), "female")
    count = len(bible.characters) + len(out)
    for role in genre.roles:
        if role in have:
            continue
        if role not in genre.required and count >= 3:
            continue
        gender = lead_gender if role in ("protagonist", "ally", "friend", "rival") else (
            "male" if lead_gender == "female" else "female")
        out.append((role, gender, None))
        have.add(role)
        count += 1
    return out


def _new_character(project, name: str, gender: str) -> Character:
    """A character with the project's default look and voice (gender-aware where the project supports it)."""
    try:
        return project._default_character(name, None, gender)
    except TypeError:  # an older Project without gender-aware voices
        return project._default_character(name)


def _relate(bible: Bible, facts: SourceFacts, genre: Genre, lang: str) -> None:
    """Relationships as the source states them; for invented characters, decided in code from the genre's roles."""
    for p in facts.people:
        c = bible.character(p.name)
        if c is None:
            continue
        for other, word in p.relations.items():
            o = bible.character(other)
            if o is not None:
                c.relationships.setdefault(o.name, word)
    lead = next((c for c in bible.characters if c.role == "protagonist"), None)
    if lead is None:
        return
    i = 2 if lang == "zh" else 0
    for c in bible.characters:
        if c is lead or c.role not in genre.relations or bible.character(c.name) is None:
            continue
        if any(p.name == c.name for p in facts.people) and c.name in lead.relationships:
            continue
        words = genre.relations[c.role]
        lead.relationships.setdefault(c.name, words[i])
        c.relationships.setdefault(lead.name, words[i + 1])


# ---- episodes ----------------------------------------------------------------------------------


def episode_spec(spec: str | None, planned: list[int]) -> list[int]:
    if not spec:
        return list(planned)
    wanted: set[int] = set()
    for part in spec.split(","):
        m = re.fullmatch(r"\s*(\d+)(?:\s*-\s*(\d+))?\s*", part)
        if not m:
            raise InputError(f"bad episode list {spec!r}: expected numbers and ranges like 1,3-5")
        wanted.update(range(int(m.group(1)), int(m.group(2) or m.group(1)) + 1))
    outside = sorted(wanted - set(planned))
    if outside:
        raise InputError(f"episode(s) {', '.join(map(str, outside))} are not in the season plan "
                         f"(1-{max(planned) if planned else 0}); raise the episode count with 'write premise "
                         "--episodes-count'")
    return sorted(wanted)


def _load_season(root: Path) -> Season:
    path = root / SEASON
    if not path.exists():
        raise InputError(f"no {SEASON}: run 'reelwright write premise \"…\" {root}' first", path=path)
    return load_document(path, Season)


def _script_path(root: Path, number: int, lang: str) -> Path:
    return root / "scripts" / f"ep{number:03d}{'.txt' if lang == 'zh' else '.fountain'}"


def write_episodes(root: str | Path, spec: str | None = None, *, force: bool = False, provider: str | None = None,
                   quiet: bool = False) -> WriteReport:
    """Write (or rewrite) episode scripts from the season plan; see the module doc for what is kept."""
    root = Path(root)
    project = _project(root, None, create=False)
    season = _load_season(root)
    settings, bible = project.settings, project.bible
    lang = "zh" if settings.project.language == "zh" else "en"
    numbers = episode_spec(spec, [e.number for e in season.episodes])
    text = text_provider(settings, provider)
    cache = _cache(project)
    writer = Writer(text, cache, seed=settings.writing.seed, retries=settings.writing.retries)
    report = WriteReport(stats=writer.stats)
    todo = []
    for n in numbers:
        path = _script_path(root, n, lang)
        rel = path.relative_to(root).as_posix()
        other = project.episodes.get(n)
        if other is not None and other.path.resolve() != path.resolve():
            report.skipped[rel] = f"episode {n} already has a script at {other.path.relative_to(root).as_posix()}"
            continue
        entry = cache.lock.artifacts.get(rel)
        key = _episode_key(bible, season, n, text, settings.writing.seed, lang)
        if path.exists():
            ours = entry is not None and entry.stage == "write" and entry.inputs.get("sha256") == _sha(
                read_text(path))
            if not ours and not force:
                report.skipped[rel] = "edited by hand or not written by 'write' (use --force to overwrite)"
                continue
            if ours and (spec is None or entry.key == key) and not force:
                report.skipped[rel] = "up to date" if entry.key == key else "exists (name it in --episodes to rewrite)"
                continue
        todo.append((n, path, rel, key))
    beats = sum(len(season.episode(n).beats) + 1 for n, *_ in todo)
    bar = Progress("writing episodes", beats, enabled=not quiet)
    try:
        for n, path, rel, key in todo:
            asks, script = _write_one(writer, bible, season, n, lang, bar)
            atomic_write_text(path, script)
            key = _episode_key(bible, season, n, text, settings.writing.seed, lang)  # with the outline filled in
            _lock(cache, rel, key, text, settings.writing.seed, prompt_hash(asks), script)
            save_document(season, root / SEASON)
            cache.save_lock()
            report.written.append(path)
    finally:
        bar.close()
        cache.save_lock()
    report.problems = check_project_continuity(root)
    for path in report.written:
        if path.suffix in (".fountain", ".txt"):
            ep = parse_script(path).episodes[0]
            report.durations[ep.number] = round(estimate_seconds(ep), 1)
    return report


def _episode_key(bible: Bible, season: Season, number: int, provider: TextProvider, seed: int, lang: str) -> str:
    plan = season.episode(number)
    return make_key("write-episode", {
        "plan": plan.model_dump(mode="json", exclude={"summary"}),
        "bible": bible.model_dump(mode="json", include={
            "title": True, "logline": True, "genre": True, "tone": True, "period": True, "dialect": True,
            "locations": {"__all__": {"name", "interior", "description"}},
            "characters": {"__all__": {"name", "role", "gender", "age", "description", "goals", "secrets",
                                       "relationships"}}}),
        "so_far": P.story_so_far(season, number), "target": season.target_seconds, "count": season.episode_count,
        "provider": provider.identity(), "seed": seed, "language": lang})


def _needs_outline(plan: EpisodePlan) -> bool:
    return not plan.title or not plan.synopsis or any(not b.text for b in plan.beats)


def _time_of_day(number: int, lang: str) -> str:
    night = hashlib.sha256(f"time{number}".encode()).digest()[0] % 3 == 0
    return ("夜" if night else "日") if lang == "zh" else ("NIGHT" if night else "DAY")


def _heading(bible: Bible, plan: EpisodePlan, location: str, scene: int, lang: str, cast: list[str]) -> SceneHeading:
    loc = bible.location(location)
    interior = True if loc is None or loc.interior is None else loc.interior
    time = _time_of_day(plan.number, lang)
    if lang == "zh":
        setting_word = "内" if interior else "外"
        number = f"{plan.number}-{scene}"
        return SceneHeading(text=f"{number} {time} {setting_word} {location}", setting="INT" if interior else "EXT",
                            location=location, time=time, number=number, cast=list(cast))
    name = location.upper()
    prefix = "INT" if interior else "EXT"
    return SceneHeading(text=f"{prefix}. {name} - {time}", setting=prefix, location=name, time=time)


def _cue(bible: Bible, name: str, lang: str) -> str:
    c = bible.character(name)
    real = c.name if c else name
    return real if lang == "zh" else real.upper()


def _write_one(writer: Writer, bible: Bible, season: Season, number: int, lang: str, bar: Progress
               ) -> tuple[list[P.Ask], str]:
    """Outline (when not filled yet) and write one episode; returns the asks made and the script text."""
    plan = season.episode(number)
    asks: list[P.Ask] = []
    genre = season_genre(bible, season.premise)
    if _needs_outline(plan):
        a = P.ask_outline(bible, season, plan, lang, genre)
        asks.append(a)
        data = writer.ask(a)
        plan.title = plan.title or data["title"]
        plan.synopsis = plan.synopsis or data["synopsis"]
        for beat, filled in zip(plan.beats, data["beats"]):
            beat.text = beat.text or filled["text"]
    bar.advance(note=f"ep{number:03d} outline")
    elements: list = []
    previous: list[str] = []
    seen: set[str] = set()
    spoken: set[str] = set()
    events: list[str] = []
    spl = seconds_per_line(lang)
    scene = 1
    elements.append(_heading(bible, plan, plan.locations[0] if plan.locations else plan.location, scene, lang,
                             plan.cast))
    second_at = len(plan.beats) // 2 if len(plan.locations) > 1 else None
    for i, beat in enumerate(plan.beats):
        if i == second_at and i > 0:
            scene += 1
            elements.append(_heading(bible, plan, plan.locations[1], scene, lang, plan.cast))
        now = _now(elements)
        budget = beat.end - now - 2.0  # the action line takes about two seconds
        lines = 1 if beat.kind == "hook" else max(1 if beat.kind == "turn" else 2, min(5, round(budget / spl)))
        unspoken = [c for c in plan.cast if c not in spoken and bible.character(c)]
        must = unspoken[0] if unspoken else None  # everyone in the episode speaks, the lead first
        a = P.ask_beat(bible, season, plan, i, lines, previous, seen, lang, must=must, genre=genre, scene=plan.cast)
        asks.append(a)
        data = writer.ask(a)
        if lang != "zh":
            elements.append(Note(text=f"{beat.kind} {beat.start}-{beat.end}s"))
        if data["action"]:
            elements.append(Action(text=data["action"]))
        for line in data["lines"]:
            emotion = None if line["emotion"] in P.NEUTRAL else line["emotion"]
            standard = line.get("standard") or ""
            elements.append(Dialogue(character=_cue(bible, line["speaker"], lang), emotion=emotion,
                                     parts=[DialoguePart(text=line["text"])],
                                     subtitle=standard if standard and standard != line["text"] else None))
            seen.add(line["text"])
            spoken.add(line["speaker"])
            previous.append(f"{line['speaker']}: {line['text']}")
        if data["event"]:
            events.append(data["event"])
        bar.advance(note=f"ep{number:03d} beat {i + 1}/{len(plan.beats)}")
    doc = ScriptDocument(format="zh" if lang == "zh" else "fountain", title=bible.title,
                         episodes=[Episode(number=number, title=plan.title or None, elements=elements)])
    script = write_chinese(doc) if lang == "zh" else write_fountain(doc)
    _verify(parse_text(script, f"ep{number:03d}", "zh" if lang == "zh" else "fountain"), doc, bible)
    plan.summary = P.clean(" ".join(events), 400)
    return asks, script


def _now(elements: list) -> float:
    return element_times(Episode(number=1, elements=elements))[-1][1] if elements else 0.0


def _verify(parsed: ScriptDocument, made: ScriptDocument, bible: Bible) -> None:
    """The written script must read back as the document it was written from."""
    ep, want = parsed.episodes[0], made.episodes[0]
    got = [(d.character, d.text) for d in ep.dialogue()]
    expected = [(d.character, d.text) for d in want.dialogue()]
    problems = []
    if ep.number != want.number:
        problems.append(f"episode number reads back as {ep.number}, not {want.number}")
    if got != expected:
        problems.append(f"dialogue reads back differently ({len(got)} lines, expected {len(expected)})")
    problems += [f"speaker {name!r} is not in the bible" for name, _ in got if bible.character(name) is None]
    if problems:
        raise BuildError(f"episode {want.number}: the written script does not parse back: " + "; ".join(problems))


def check_project_continuity(root: str | Path) -> list[Problem]:
    """Continuity problems in every script of the project (see :mod:`reelwright.writing.continuity`)."""
    root = Path(root)
    project = Project.load(root)
    season = load_document(root / SEASON, Season) if (root / SEASON).exists() else None
    episodes = {n: (src.episode, str(src.path)) for n, src in project.episodes.items()}
    return check_continuity(episodes, project.bible, season)

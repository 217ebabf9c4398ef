"""The ``reelwright`` command: a thin layer over the Python API. Only here do errors become exit codes."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from importlib.resources import files
from pathlib import Path

from reelwright import __version__
from reelwright.errors import ReelwrightError

__all__ = ["main"]


def _cmd_new(args: argparse.Namespace) -> int:
    from reelwright.project import new_project

    root = new_project(args.dir, args.lang, args.title)
    print(f"created {root}: edit scripts/ and run 'reelwright build {root}'")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from reelwright.pipeline import build
    from reelwright.project import Project

    project = Project.load(args.dir)
    report = build(project, args.episodes, workers=args.workers, quiet=args.quiet)
    print(report.summary())
    for number, outs in report.outputs.items():
        print(f"  ep{number:03d}: {outs['video']}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from reelwright.check import check_project, format_table
    from reelwright.project import Project

    project = Project.load(args.dir)
    results = check_project(project, args.episodes)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        print(format_table(results))
    return 1 if any(not r["ok"] for r in results) else 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from reelwright.pipeline import build
    from reelwright.project import Project

    root = Path(args.dir)
    if not (root / "reelwright.toml").exists():
        if root.exists() and any(root.iterdir()):
            raise ReelwrightError(f"{root} exists and is not a reelwright project; pick another folder")
        sample = files("reelwright") / "samples" / "demo"
        shutil.copytree(str(sample), root, dirs_exist_ok=True)
        print(f"demo project copied to {root}", file=sys.stderr)
    project = Project.load(root)
    report = build(project, args.episodes, workers=args.workers, quiet=args.quiet)
    print(report.summary())
    for number, outs in report.outputs.items():
        print(f"  ep{number:03d}: {outs['video']}  ({outs['srt']})")
    return 0


def _cmd_parse(args: argparse.Namespace) -> int:
    from reelwright.documents.base import dump_document
    from reelwright.scripts import parse_script, write_chinese, write_fountain

    doc = parse_script(Path(args.file))
    if args.stats:
        print(json.dumps(doc.stats(), ensure_ascii=False))
    elif args.to == "fountain":
        sys.stdout.write(write_fountain(doc))
    elif args.to == "zh":
        sys.stdout.write(write_chinese(doc))
    else:
        sys.stdout.write(dump_document(doc, "json"))
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
                       "0 = one per core)")
        s.add_argument("--quiet", action="store_true", help="no progress output")

    s = sub.add_parser("build", help="build episodes (incremental)", description="Board, voice, cut and render "
                       "every episode whose inputs changed; finished work is cached, so an interrupted build "
                       "resumes.")
    s.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    build_opts(s)
    s.set_defaults(func=_cmd_build)

    s = sub.add_parser("check", help="check built episodes against the delivery rules",
                       description="Probe every built episode: duration, codec, loudness, subtitles. Exit 1 when a "
                       "hard rule fails.")
    s.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    s.add_argument("--episodes", help="which episodes (default: all)")
    s.add_argument("--json", action="store_true", help="print JSON instead of a table")
    s.set_defaults(func=_cmd_check)

    s = sub.add_parser("demo", help="build the shipped sample project", description="Copy the sample project "
                       "(an English and a Chinese episode) into DIR and build it to MP4, offline.")
    s.add_argument("dir", nargs="?", default="reelwright-demo", help="folder (default: reelwright-demo)")
    build_opts(s)
    s.set_defaults(func=_cmd_demo)

    s = sub.add_parser("parse", help="parse a script and print it as JSON",
                       description="Parse a Fountain or Chinese short-drama script (format detected from content).")
    s.add_argument("file", help="script file")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--to", choices=["fountain", "zh"], help="convert and print in this script format")
    g.add_argument("--stats", action="store_true", help='print {"scenes": N, "dialogue": N, "characters": [...]}')
    s.set_defaults(func=_cmd_parse)
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
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: finished work is kept; run the same command again to resume", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0

"""Writing benchmark: a premise → bible + season plan → N episode scripts with the local default model.

Reports seconds per episode script, tokens per second (generated tokens over
the time spent in the model), and the share of model answers that passed
validation on the first try. Runs in a fresh temporary project so nothing
comes from the cache. ``make bench-write`` runs it; ``--json`` prints one JSON
object instead of the table.

    python benchmarks/bench_write.py [--episodes 3] [--target-seconds 60] [--lang en] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

PREMISE_EN = ("A maid is forced into a contract marriage with a cold CEO who hides a secret: he is the boy she "
              "saved from a fire ten years ago, and his stepmother wants her gone.")
PREMISE_ZH = "女佣被迫与冷酷总裁签下契约婚姻，却发现他就是十年前她从火场救出的男孩，而他的继母想除掉她。"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--episodes", type=int, default=3, help="episode scripts to write (default 3)")
    ap.add_argument("--target-seconds", type=int, default=60)
    ap.add_argument("--lang", choices=["en", "zh"], default="en")
    ap.add_argument("--model", default=None, help="model name or .gguf path (default: the default writing model)")
    ap.add_argument("--keep", metavar="DIR", help="write the project here and keep it")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true", help="log every rejected answer")
    args = ap.parse_args(argv)
    if args.verbose:
        import logging

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    from reelwright.providers.local_model import DEFAULT_MODEL, model_path
    from reelwright.providers.text_local import llama_available
    from reelwright.writing.writer import write_episodes, write_premise

    model = args.model or DEFAULT_MODEL
    if why := llama_available():
        print(f"bench-write: {why}", file=sys.stderr)
        return 1
    try:
        path = model_path(model)
    except Exception as exc:  # noqa: BLE001 - say what to do and stop
        print(f"bench-write: {exc}", file=sys.stderr)
        return 1

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-write-"))
    root = base / "series"
    if root.exists():
        shutil.rmtree(root)
    (root / "scripts").mkdir(parents=True)
    (root / "reelwright.toml").write_text(
        f'[project]\ntitle = "Bench"\nlanguage = "{args.lang}"\n\n[providers]\ntext = "local"\n\n'
        f'[providers.options.local]\nmodel = "{model}"\n\n'
        f'[writing]\nepisodes = {max(args.episodes, 3)}\ntarget_seconds = {args.target_seconds}\n',
        encoding="utf-8")
    quiet = args.json
    try:
        t0 = time.monotonic()
        pre = write_premise(root, PREMISE_ZH if args.lang == "zh" else PREMISE_EN, quiet=quiet)
        t1 = time.monotonic()
        per_episode = []
        stats = []
        durations = {}
        for n in range(1, args.episodes + 1):
            start = time.monotonic()
            rep = write_episodes(root, str(n), quiet=quiet)
            per_episode.append(time.monotonic() - start)
            stats.append(rep.stats)
            durations.update(rep.durations)
        problems = len(rep.problems)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)

    all_stats = [pre.stats, *stats]
    tokens = sum(s.completion_tokens for s in all_stats)
    prompt_tokens = sum(s.prompt_tokens for s in all_stats)
    model_s = sum(s.seconds for s in all_stats)
    asked = sum(s.asked for s in all_stats)
    first = sum(s.first_try_valid for s in all_stats)
    first_repaired = sum(s.first_try_repaired for s in all_stats)
    ep_tokens = sum(s.completion_tokens for s in stats)
    ep_model_s = sum(s.seconds for s in stats)
    result = {
        "model": path.name,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "language": args.lang,
        "episodes": args.episodes,
        "target_seconds": args.target_seconds,
        "premise_seconds": round(t1 - t0, 1),
        "seconds_per_episode": round(sum(per_episode) / len(per_episode), 1),
        "episode_seconds": [round(s, 1) for s in per_episode],
        "estimated_episode_lengths": durations,
        "tokens_per_second": round(tokens / model_s, 2) if model_s else 0.0,
        "episode_tokens_per_second": round(ep_tokens / ep_model_s, 2) if ep_model_s else 0.0,
        "generated_tokens": tokens,
        "prompt_tokens": prompt_tokens,
        "answers": asked,
        "first_try_valid_share": round(first / asked, 3) if asked else 1.0,
        "first_try_valid_after_repair_share": round((first + first_repaired) / asked, 3) if asked else 1.0,
        "retried": sum(s.retried for s in all_stats),
        "continuity_problems": problems,
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"\nbench-write: {result['model']} on {result['machine']} ({args.lang}, {args.episodes} episodes of "
          f"{args.target_seconds} s)")
    print(f"  bible + season plan      {result['premise_seconds']:8.1f} s")
    print(f"  seconds per episode      {result['seconds_per_episode']:8.1f} s   {result['episode_seconds']}")
    print(f"  tokens per second        {result['tokens_per_second']:8.2f}     ({tokens} generated, "
          f"{prompt_tokens} prompt tokens; time in the model incl. prompt processing)")
    print(f"  valid on the first try   {result['first_try_valid_share']:8.1%}     as answered; "
          f"{result['first_try_valid_after_repair_share']:.1%} after repairs in code; "
          f"{result['retried']} answer(s) needed another try")
    print(f"  estimated lengths        {durations}")
    print(f"  continuity problems      {problems}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

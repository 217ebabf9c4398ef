"""Writing benchmark: fixed premises → bible + season plan → episode scripts with the local default model,
measured for what goes wrong with small models.

For each premise (life-themed and trope-genre, Chinese and English, one with a period and a dialect) the
benchmark writes the bible, the season plan and ``--episodes`` episode scripts in a fresh project (nothing from
a cache), then measures the scripts with the same rules as ``reelwright write check``:

* the share of the people the premise names who speak (target 100%),
* anachronisms against the premise's period, instruction leaks, repeated lines, truncated fields (target 0),
* the dialogue's distinct-bigram ratio (higher is more varied),
* seconds per episode script (the time ``write episodes`` took, the premise step not counted).

``--before-src DIR`` also writes every premise with the sources in ``DIR`` (e.g. the previous commit, exported
with ``git archive``) and prints both in one table, side by side; every project is measured by the current
code. ``--keep DIR`` keeps the projects; ``--measure DIR [DIR]`` measures kept projects again without writing.

    python benchmarks/bench_write.py [--episodes 1] [--only zh-life-1983,...] [--before-src OLD/src] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

# (key, language, kind, premise). Written for this benchmark; every name, age, job, place and period in them is
# something the writer must keep.
PREMISES = [
    ("zh-life-1983", "zh", "life, period + dialect",
     "1983年的成都，34岁的面馆老板娘王秀芬带着女儿小雨（12岁）嫁给了丧妻的钳工刘建国（38岁），刘建国的儿子刘小军"
     "（14岁）不肯叫她妈。一家人在面馆楼上过日子，说四川话。"),
    ("en-romance", "en", "romance (trope)",
     "Clara Vance (29), a wedding planner in Chicago, is hired to plan the wedding of her ex-fiancé Tom Reyes. "
     "The bride's brother, Sam Ortiz, a firefighter, keeps turning up at every fitting."),
    ("en-life-leeds", "en", "life",
     "Ruth Okafor (61), a retired bus driver in Leeds, takes in her grandson Danny (15) after his mother leaves "
     "to work abroad. Her neighbour Mr. Patel, who keeps the allotment next door, teaches Danny to grow "
     "vegetables while Ruth learns to talk to a teenager again."),
    ("zh-revenge", "zh", "rebirth and revenge (trope)",
     "沈青禾重生回到十八岁，决定向害死她的继妹沈婉和前夫陆明轩复仇，这一次她要夺回母亲留下的玉佩和沈家的公司。"),
    ("zh-life-hangzhou", "zh", "life",
     "杭州，35岁的快递员张磊和妻子李娟租住在老小区，女儿朵朵（6岁）明年要上小学。为了学区房，张磊的母亲周桂兰"
     "拿出了攒了一辈子的存折，一家人却为此吵了起来。"),
]

RUNNER = r"""
import json, sys, time
try:
    from reelwright.writing.writer import write_episodes, write_premise
except ImportError:  # sources from before the package layout (a --before-src of an older commit)
    from reelwright.stages.write import write_episodes, write_premise
root, premise, episodes = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = time.monotonic()
write_premise(root, premise, quiet=True)
t1 = time.monotonic()
per = []
for n in range(1, episodes + 1):
    s = time.monotonic()
    write_episodes(root, str(n), quiet=True)
    per.append(time.monotonic() - s)
print(json.dumps({"premise_seconds": t1 - t0, "episode_seconds": per}))
"""


def _write(src: Path, root: Path, lang: str, premise: str, episodes: int, model: str, target: int,
           resume: bool, threads: int | None = None) -> dict:
    if root.exists() and not resume:
        shutil.rmtree(root)
    (root / "scripts").mkdir(parents=True, exist_ok=True)
    for old in (root / "scripts").iterdir():  # a resumed run rewrites the scripts (its answers come from the cache)
        old.unlink()
    (root / "reelwright.toml").write_text(
        f'[project]\ntitle = "Bench"\nlanguage = "{lang}"\n\n[providers]\ntext = "local"\n\n'
        f'[providers.options.local]\nmodel = "{model}"\n' + (f"n_threads = {threads}\n" if threads else "") + "\n"
        f'[writing]\nepisodes = 3\ntarget_seconds = {target}\npaywall_after = 2\n', encoding="utf-8")
    for name in ("bible.yaml", "season.yaml", "reelwright.lock"):
        (root / name).unlink(missing_ok=True)
    env = dict(os.environ, PYTHONPATH=str(src))
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(root), premise, str(episodes)], env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail)}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _measure(root: Path, premise: str, timing: dict) -> dict:
    from reelwright.writing.checks import project_report

    if "error" in timing:
        return {"error": timing["error"]}
    rep = project_report(root, premise=premise)
    per = timing["episode_seconds"]
    return {**rep.measures(), "seconds_per_episode": round(sum(per) / len(per), 1) if per else 0.0,
            "premise_seconds": round(timing["premise_seconds"], 1)}


ROWS = [("named_speaking_share", "premise-named people who speak", "{:.0%}", "100%"),
        ("anachronisms", "anachronisms", "{}", "0"),
        ("instruction_leaks", "instruction leaks", "{}", "0"),
        ("repeated_lines", "repeated lines", "{}", "0"),
        ("truncated_fields", "truncated fields", "{}", "0"),
        ("speakers_not_in_scene", "speakers not in the scene", "{}", "0"),
        ("non_garments", "wardrobe entries not worn", "{}", "0"),
        ("distinct_bigram_ratio", "distinct-bigram ratio", "{:.2f}", "higher"),
        ("seconds_per_episode", "seconds per episode script", "{:.0f}", "")]


def _table(columns: dict[str, dict[str, dict]]) -> str:
    """One row per measure, one column per (premise, run)."""
    heads = []
    for key, *_ in PREMISES:
        for run in sorted(columns, key=lambda r: r != "before"):
            if key in columns[run]:
                heads.append((key, run))
    lines = ["| measure | target | " + " | ".join(f"{k} {r}" for k, r in heads) + " |",
             "|---|---|" + "---|" * len(heads)]
    for field, label, fmt, target in ROWS:
        cells = []
        for key, run in heads:
            m = columns[run][key]
            cells.append("error" if "error" in m else fmt.format(m.get(field, 0)))
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--episodes", type=int, default=1, help="episode scripts per premise (default 1)")
    ap.add_argument("--target-seconds", type=int, default=45, help="episode length (default 45: four beats)")
    ap.add_argument("--threads", type=int, help="llama.cpp threads (default: all cores)")
    ap.add_argument("--resume", action="store_true", help="with --keep: reuse the answers cached in kept projects")
    ap.add_argument("--only", default="", help="comma-separated premise keys (default: all)")
    ap.add_argument("--model", default=None, help="model name or .gguf path (default: the default writing model)")
    ap.add_argument("--before-src", metavar="DIR", help="also write with the sources in DIR, side by side")
    ap.add_argument("--after-src", metavar="DIR", help="write the 'after' run with the sources in DIR (default: "
                    "this checkout's src)")
    ap.add_argument("--only-before", action="store_true", help="with --before-src: write only the 'before' run")
    ap.add_argument("--keep", metavar="DIR", help="write the projects here and keep them")
    ap.add_argument("--measure", nargs="+", metavar="DIR", help="only measure kept projects (after [before])")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(SRC))

    wanted = [p for p in PREMISES if not args.only or p[0] in args.only.split(",")]
    columns: dict[str, dict[str, dict]] = {}
    if args.measure:
        for run, base in zip(("after", "before"), args.measure):
            base = Path(base)
            timings = json.loads((base / "timings.json").read_text(encoding="utf-8"))
            columns[run] = {key: _measure(base / key, premise, timings[key]) for key, _, _, premise in wanted
                            if key in timings}
    else:
        from reelwright.providers.local_model import DEFAULT_MODEL, model_path
        from reelwright.providers.text_local import llama_available

        model = args.model or DEFAULT_MODEL
        if why := llama_available():
            print(f"bench-write: {why}", file=sys.stderr)
            return 1
        try:
            model_path(model)
        except Exception as exc:  # noqa: BLE001 - say what to do and stop
            print(f"bench-write: {exc}", file=sys.stderr)
            return 1
        base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-write-"))
        runs = [] if args.only_before else [("after", Path(args.after_src) if args.after_src else SRC)]
        runs += [("before", Path(args.before_src))] if args.before_src else []
        try:
            for run, src in runs:
                tpath = base / run / "timings.json"
                timings: dict[str, dict] = json.loads(tpath.read_text(encoding="utf-8")) if (
                    args.resume and tpath.exists()) else {}
                for key, lang, _, premise in wanted:
                    start = time.monotonic()
                    print(f"bench-write: {run}: {key} …", file=sys.stderr, flush=True)
                    timings[key] = _write(src, base / run / key, lang, premise, args.episodes, model,
                                          args.target_seconds, args.resume, args.threads)
                    print(f"bench-write: {run}: {key} {time.monotonic() - start:.0f} s "
                          f"{timings[key].get('error', '')}", file=sys.stderr, flush=True)
                    (base / run / "timings.json").write_text(json.dumps(timings), encoding="utf-8")
                columns[run] = {key: _measure(base / run / key, premise, timings[key])
                                for key, _, _, premise in wanted}
        finally:
            if not args.keep:
                shutil.rmtree(base, ignore_errors=True)
    if args.json:
        print(json.dumps(columns, ensure_ascii=False))
        return 0
    print(f"\nbench-write: {args.episodes} episode(s) per premise, {platform.machine()}, {os.cpu_count()} cores")
    for key, lang, kind, premise in wanted:
        print(f"  {key}: {kind} ({lang})")
    print()
    print(_table(columns))
    return 0


if __name__ == "__main__":
    sys.exit(main())

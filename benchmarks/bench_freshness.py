"""Season-scale freshness: a season of 1 and of 100 short episodes, side by side in one run.

For each season size (whole ``reelwright`` processes, as a user runs them; medians of ``--repeat`` runs):

- noop: ``reelwright build`` with nothing changed;
- edit: ``reelwright build`` after one line of dialogue changed in one episode (a different line text each run);
- deliver-rerun: ``reelwright deliver`` a second time with nothing changed.

The episodes come from the season benchmark's template (``bench_season.make_script``) at a small frame size:
this measures what a rebuild costs beyond the work the edit needs, not rendering speed.

Prints a table, then exactly one machine-readable last line:

    noop100/noop1=A edit100/edit1=B deliver-rerun/noop=C

(C for the larger season). Targets: A ≤ 1.5, B ≤ 1.5, C ≤ 1.5.

    python benchmarks/bench_freshness.py [--sizes 1,100] [--seconds 6] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_season import edit_script, make_script, write_project  # noqa: E402

EDITS = ["We talk tomorrow at nine.", "We talk tonight at ten.", "We meet at the pier.", "Call me after eight.",
         "Not here. Not now."]


def cli(*args: str) -> float:
    """Seconds one ``reelwright`` process takes, start to exit (it must succeed)."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "reelwright", *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"reelwright {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return elapsed


def season(root: Path, n: int, seconds: float, width: int, height: int) -> tuple[Path, list]:
    scripts = [make_script(k, seconds) for k in range(1, n + 1)]
    write_project(root, scripts, width, height)
    return root, scripts


def measure(root: Path, scripts: list, repeat: int) -> dict[str, float]:
    cli("build", str(root), "--quiet")  # cold, not timed
    out = {"noop": statistics.median(cli("build", str(root), "--quiet") for _ in range(repeat))}
    target = scripts[len(scripts) // 2]
    edited, _, _ = edit_script(target)
    lines = edited.text.split("\n")
    row = next(r for r in edited.dialogue_rows if lines[r] == "We talk tomorrow at nine.")
    times = []
    for k in range(repeat):
        lines[row] = EDITS[(k + 1) % len(EDITS)]
        (root / "scripts" / f"ep{target.number:03d}.fountain").write_text("\n".join(lines), encoding="utf-8")
        times.append(cli("build", str(root), "--quiet"))
    out["edit"] = statistics.median(times)
    cli("deliver", str(root), "--quiet")  # the first delivery, not timed
    out["deliver-rerun"] = statistics.median(cli("deliver", str(root), "--quiet") for _ in range(repeat))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1,100", help="season sizes, smallest first (default 1,100)")
    ap.add_argument("--seconds", type=float, default=6.0, help="episode length (default 6)")
    ap.add_argument("--width", type=int, default=144)
    ap.add_argument("--height", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="keep the projects under this folder")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    base = args.keep or Path(tempfile.mkdtemp(prefix="rw-fresh-"))
    results: dict[int, dict[str, float]] = {}
    try:
        for n in sizes:
            root = base / f"season{n}"
            if root.exists():
                shutil.rmtree(root)
            _, scripts = season(root, n, args.seconds, args.width, args.height)
            results[n] = measure(root, scripts, args.repeat)
            print(f"{n:>4} episodes: " + "  ".join(f"{k} {v:6.2f}s" for k, v in results[n].items()), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    small, big = results[sizes[0]], results[sizes[-1]]
    load = os.getloadavg()[0]
    print(f"load average (1 min) at the end: {load:.2f} on {os.cpu_count()} cores")
    print(f"noop{sizes[-1]}/noop{sizes[0]}={big['noop'] / small['noop']:.2f} "
          f"edit{sizes[-1]}/edit{sizes[0]}={big['edit'] / small['edit']:.2f} "
          f"deliver-rerun/noop={big['deliver-rerun'] / big['noop']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

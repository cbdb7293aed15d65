"""Compare two trees of this package on the Track API and data-tool benchmarks, A/B alternating.

Every measurement runs in a fresh process with the tree's own package and benchmark code
(``bench_tracks.py`` workers; ``bench_tools.py``'s import and align), before and after in
turn, so a machine that speeds up or slows down during the call moves both alike. Prints a
markdown table: the median of each figure per tree and the ratio after / before (times:
below 1 is faster).

Usage::

    git worktree add /tmp/before fa9a6eb
    .venv/bin/python benchmarks/bench_ab.py --before /tmp/before --after . --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Each probe: a name and the code a child runs (in the tree's benchmarks/ folder); it prints
# one JSON object of figures (seconds or bytes).
TRACKS = ("import bench_tracks as b, json; "
          "print(json.dumps(b.WORKERS[{w!r}]('ours', {root!r}, {n})))")
TOOLS_IMPORT = """
import bench_tools as b, json
from pathlib import Path
r = b.bench_import(Path({root!r}), {n}, 'mcap')
print(json.dumps({{k: v for k, v in r.items() if isinstance(v, (int, float))}}))
"""
TOOLS_ALIGN = """
import bench_tools as b, json
from pathlib import Path
r = b.bench_align(Path({root!r}), {minutes})
print(json.dumps({{k: v for k, v in r.items() if isinstance(v, (int, float))}}))
"""
# The figures worth comparing (others are counts or set-up).
KEEP = {"append_s", "total_s", "peak_kib", "bytes", "batch_s", "batch_flush_s",
        "batch_columns_s", "window_cold_s", "window_warm_s", "window_numpy_s", "all_json_s",
        "all_arrow_s", "all_numpy_s"}


def _run(tree: Path, code: str) -> dict:
    env = dict(os.environ, PYTHONPATH=f"{tree}{os.pathsep}{tree / 'benchmarks'}")
    env.pop("_ROS_WHEELS_BOOTSTRAP_COMPLETE", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=tree / "benchmarks", env=env,
                         capture_output=True, text=True, timeout=1800)
    if out.returncode:
        raise SystemExit(f"{tree}: probe failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _probes(root: str, n: int, messages: int, minutes: float) -> dict:
    return {
        "write": TRACKS.format(w="write", root=root, n=n),
        "read": TRACKS.format(w="read", root=root, n=n),
        "batch": TRACKS.format(w="batch", root=root, n=n),
        "import": TOOLS_IMPORT.format(root=root, n=messages),
        "align": TOOLS_ALIGN.format(root=root, minutes=minutes),
    }


def main(argv: list | None = None) -> None:
    """Run the rounds and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, required=True)
    ap.add_argument("--after", type=Path, default=HERE.parent)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--n", type=int, default=300_000, help="rows for the Track API probes")
    ap.add_argument("--messages", type=int, default=50_000, help="bag messages to import")
    ap.add_argument("--minutes", type=float, default=3.0, help="minutes of tracks to align")
    args = ap.parse_args(argv)
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    figures: dict = {}
    for r in range(args.rounds):
        order = list(trees) if r % 2 == 0 else list(reversed(trees))
        for side in order:
            with tempfile.TemporaryDirectory() as tmp:
                for probe, code in _probes(tmp, args.n, args.messages, args.minutes).items():
                    for key, value in _run(trees[side], code).items():
                        name = f"{probe}.{key}"
                        if probe in ("import", "align") or key in KEEP:
                            figures.setdefault(name, {}).setdefault(side, []).append(value)
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    print(f"| figure (median of {args.rounds}) | before | after | after / before |")
    print("|---|---|---|---|")
    for name, sides in figures.items():
        b, a = (statistics.median(sides.get(s, [float("nan")])) for s in ("before", "after"))
        ratio = a / b if b else float("nan")
        print(f"| {name} | {b:.4g} | {a:.4g} | {ratio:.3f} |")


if __name__ == "__main__":
    main()

"""Measure what the generated functions save over their plain-Python references.

The generated functions (``tracks/ingest/_generated.py``, ``tracks/store/_generated.py``) are
kept only if they are clearly quicker than the reference beside them. Workload: the robot
row of ``bench_tracks.py`` (q, qd, tau: lists of 7 floats, gripper: float) and a JointState
row with its joint names (name: 7 str, position, velocity, effort). Best of ``--repeat`` runs
in one process; the result goes to the "Generated code" section of benchmarks/RESULTS.md.

Usage::

    .venv/bin/python benchmarks/bench_generated.py            # 200,000 rows
    .venv/bin/python benchmarks/bench_generated.py --n 50000 --no-write
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from array import array
from pathlib import Path
from typing import Callable

from results import write_section  # benchmarks/ is on sys.path when a script here runs

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ml_dash_ros.tracks.ingest import _generated as ingest  # noqa: E402
try:
    from ml_dash_ros.tracks.ingest.array_part import array_spec  # noqa: E402
except ImportError:  # a tree from before the buffer's parts had their own modules
    from ml_dash_ros.tracks.ingest.buffer import array_spec  # noqa: E402
from ml_dash_ros.tracks.store import _generated as store  # noqa: E402

JOINTS = [f"joint_{j}" for j in range(7)]


def robot_row(i: int) -> dict:
    """Return the robot row of ``bench_tracks.py``."""
    x = i * 1e-3
    return dict(q=[x + 0.1 * j for j in range(7)], qd=[0.5 - 0.01 * j for j in range(7)],
                tau=[x * j for j in range(7)], gripper=0.04 + x * 1e-3)


def joint_state_row(i: int) -> dict:
    """Return a JointState row as the converter gives it (names and three lists)."""
    x = i * 1e-3
    return dict(name=list(JOINTS), position=[x + 0.1 * j for j in range(7)],
                velocity=[0.5] * 7, effort=[x * j for j in range(7)])


def _columns(codes: tuple, wants: tuple) -> tuple:
    cols = [array(code) if code else [] for code in codes]
    return tuple(col.fromlist if type(want) is int else col.append
                 for col, want in zip(cols, wants))


def _timed(work: Callable[[], object]) -> float:
    """Return the seconds ``work`` takes with the cyclic GC paused (as the store runs it)."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        work()
        return time.perf_counter() - start
    finally:
        gc.enable()


def time_fill(rows: list, factory: Callable) -> float:
    """Return seconds to add every row with a fill function made by ``factory``."""
    _, wants, codes = array_spec(rows[0])
    values = [list(row.values()) for row in rows]
    fill = factory(wants, _columns(codes, wants))

    def work() -> None:
        for row in values:
            fill(row)
    return _timed(work)


def time_fill_rows(rows: list, factory: Callable) -> float:
    """Return seconds to add dict rows (with `_ts`) with a function made by ``factory``."""
    names, wants, codes = array_spec(rows[0])
    batch = [{"_ts": i * 1e-3, **row} for i, row in enumerate(rows)]
    stamps = array("d")
    fill_rows = factory(names, wants, _columns(codes, wants), stamps.append, "_ts")
    return _timed(lambda: fill_rows(batch))


def time_row_maker(rows: list, factory: Callable) -> float:
    """Return seconds to make one dict per row from columns, as ``formats.to_entries`` does."""
    names = ("_ts",) + tuple(rows[0])
    columns = [[i * 1e-3 for i in range(len(rows))]]
    columns += [[row[name] for row in rows] for name in names[1:]]

    make = factory(names)
    return _timed(lambda: list(map(make, *columns)))


CASES = (
    ("`fill`: one row, the `append` fast path", time_fill,
     ingest.make_fill, ingest.make_fill_reference),
    ("`fill_rows`: dict rows, `append_batch`", time_fill_rows,
     ingest.make_fill_rows, ingest.make_fill_rows_reference),
    ("`row_maker`: one dict a row, json read", time_row_maker,
     store.row_maker.__wrapped__, store.row_maker_reference),
)
WORKLOADS = (("robot row", robot_row), ("JointState row", joint_state_row))


def main(argv: list[str] | None = None) -> int:
    """Run every case on every workload, print the table and write it to RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="rows per run")
    parser.add_argument("--repeat", type=int, default=5, help="runs; the best counts")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args(argv)
    lines = ["| function | workload | generated, per row | reference, per row | "
             "reference / generated |", "|---|---|---|---|---|"]
    for label, timer, generated, reference in CASES:
        for workload, make_row in WORKLOADS:
            rows = [make_row(i) for i in range(args.n)]
            fast, slow = float("inf"), float("inf")
            for _ in range(args.repeat):      # alternating: both see the same machine load
                fast = min(fast, timer(rows, generated))
                slow = min(slow, timer(rows, reference))
            lines.append(f"| {label} | {workload} | {fast / args.n * 1e9:.0f} ns | "
                         f"{slow / args.n * 1e9:.0f} ns | {slow / fast:.2f}× |")
            print(lines[-1], flush=True)
    body = (f"`.venv/bin/python benchmarks/bench_generated.py` on {platform.machine()}, "
            f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}: "
            f"{args.n:,} rows, best of {args.repeat} runs in one process (generated and "
            "reference alternating, the cyclic GC paused). The functions "
            "generated with `exec` (`tracks/ingest/_generated.py`, "
            "`tracks/store/_generated.py`) against the plain-Python references beside them "
            "(same results: `test/tracks/test_generated.py`). Times cover only the function "
            "(the columns it fills, or the dicts it makes), not the rest of an append or read. "
            f"Load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
            "(a shared machine: compare the rows of one run)."
            "\n\n" + "\n".join(lines))
    if not args.no_write:
        write_section("Generated code", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Soak: one simulated hour of a robot recorded through the Track API, before and after.

Workload (accelerated stamps): 60 TF tracks at 100 Hz (parent, translation xyz, rotation
xyzw) and a 1 kHz JointState track (7 names, position, velocity, effort), flushed every 2 s
of simulated time (the example mapping's ``flush_interval: 2.0``): 1,800 flushes. Reported:
files per track while recording and after close, close time, RSS over time, a 1 s window
read at the start and at the end, and the cost of reopening the finished recording to append
10 rows to the 3.6M-row JointState track.

Each side runs in a fresh child process; ``--before DIR`` is a checkout of the code to
compare with (``git worktree add /tmp/before COMMIT``), put first on ``PYTHONPATH``.
Targets: close under 5 s, a few dozen files per track, flat RSS, flat window-read latency.

Usage::

    .venv/bin/python benchmarks/bench_soak.py --before /tmp/before           # both, 60 min
    .venv/bin/python benchmarks/bench_soak.py --minutes 5 --no-write         # quick look
    .venv/bin/python benchmarks/bench_soak.py --speed 6 --section "..."      # paced
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PREFIX = "soak/robot"
TF_HZ, JS_HZ, FLUSH_S = 100, 1000, 2.0

# --------------------------------------------------------------------------- worker side


def _rss_mib() -> tuple:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text()
                  .splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def _lists(values, width: int):
    import pyarrow as pa
    flat = pa.array(values.reshape(-1))
    return pa.FixedSizeListArray.from_arrays(flat, width).cast(pa.list_(pa.float64()))


def _tf_table(ts, k: int):
    import numpy as np
    import pyarrow as pa
    n = len(ts)
    xyz = np.stack([np.sin(ts + k), np.cos(ts + k), np.full(n, 0.1 * k)], axis=1)
    quat = np.stack([np.zeros(n), np.zeros(n), np.sin(ts / 2), np.cos(ts / 2)], axis=1)
    return pa.table({"_ts": ts, "parent": pa.array(["base_link"] * n),
                     "translation": _lists(xyz, 3), "rotation": _lists(quat, 4)})


def _js_table(ts, names):
    import numpy as np
    import pyarrow as pa
    n = len(ts)
    q = np.sin(ts[:, None] + np.arange(7))
    return pa.table({"_ts": ts, "name": pa.array([names] * n, pa.list_(pa.string())),
                     "position": _lists(q, 7), "velocity": _lists(np.cos(q), 7),
                     "effort": _lists(q * 2.0, 7)})


def _files(directory: Path) -> int:
    return sum(1 for p in directory.glob("seg-*.parquet"))


def _window_read(exp, topic: str, end: float) -> dict:
    from ml_dash_ros.tracks.store import reader
    times, opened = [], []
    for k in range(5):
        hi = end - 0.5 - 7.0 * k
        reader.read_stats.reset()
        clock = time.perf_counter()
        got = exp.tracks(topic).read(start_timestamp=hi - 1.0, end_timestamp=hi)
        times.append(time.perf_counter() - clock)
        opened.append(reader.read_stats.files_opened)
        assert got["count"] == TF_HZ + 1, got["count"]
    return {"ms": 1e3 * statistics.median(times), "files_opened": max(opened)}


def worker(minutes: float, tracks: int, dash_root: str, speed: float = 0.0) -> dict:
    """Record the simulated workload; return the measurements as a dict."""
    import numpy as np
    from ml_dash_ros import Experiment

    settings = dict(dash_root=dash_root, flush_interval=86_400.0, batch_size=10_000_000,
                    max_buffer_rows=100_000_000)
    exp = Experiment(PREFIX, **settings).open()
    tf_topics = [f"tf/link_{k:02d}" for k in range(tracks)]
    names = [f"joint{j}" for j in range(7)]
    steps = int(round(minutes * 60 / FLUSH_S))
    out: dict = {"steps": steps, "rss": [], "files": []}
    clock = time.perf_counter()
    for step in range(steps):
        t0 = step * FLUSH_S
        if speed > 0:  # at most ``speed`` simulated seconds per wall-clock second
            time.sleep(max(0.0, clock + t0 / speed - time.perf_counter()))
        ts_tf = t0 + np.arange(int(TF_HZ * FLUSH_S)) / TF_HZ
        for k, topic in enumerate(tf_topics):
            exp.tracks(topic).append_batch(_tf_table(ts_tf, k))
        exp.tracks("joint_states").append_batch(
            _js_table(t0 + np.arange(int(JS_HZ * FLUSH_S)) / JS_HZ, names))
        exp.tracks.flush()
        done = step + 1
        if done == 30:  # one simulated minute
            out["read_start"] = _window_read(exp, tf_topics[0], done * FLUSH_S)
        if done % 150 == 0 or done == steps:  # every 5 simulated minutes
            dirs = [exp.tracks(t).path for t in tf_topics]
            out["rss"].append([round(done * FLUSH_S / 60, 1), *map(lambda v: round(v, 1),
                                                                   _rss_mib())])
            out["files"].append([round(done * FLUSH_S / 60, 1), max(map(_files, dirs)),
                                 _files(exp.tracks("joint_states").path)])
    out["record_s"] = time.perf_counter() - clock
    out["read_end"] = _window_read(exp, tf_topics[0], steps * FLUSH_S)
    out["files_before_close"] = sum(_files(exp.tracks(t).path) for t in tf_topics) + _files(
        exp.tracks("joint_states").path)
    clock = time.perf_counter()
    exp.close()
    out["close_s"] = time.perf_counter() - clock
    out["rss_final"] = round(_rss_mib()[0], 1)
    tf_files = [_files(exp.tracks(t).path) for t in tf_topics]
    out["tf_files_after"] = [min(tf_files), max(tf_files)]
    out["js_files_after"] = _files(exp.tracks("joint_states").path)
    out["js_rows"] = exp.tracks("joint_states").read(format="arrow", columns=[]).num_rows
    try:
        from ml_dash_ros.tracks.store import compaction
        out["compaction"] = compaction.stats_under(exp.path).as_dict()
    except ImportError:
        out["compaction"] = None
    out["reopen"] = _reopen(settings, steps * FLUSH_S, names)
    return out


def _reopen(settings: dict, end: float, names: list) -> dict:
    import numpy as np
    from ml_dash_ros import Experiment
    clock = time.perf_counter()
    exp = Experiment(PREFIX, **settings).open()
    b = exp.tracks("joint_states")
    b.append_batch(_js_table(end + np.arange(10) / JS_HZ, names))
    appended = time.perf_counter()
    exp.close()
    done = time.perf_counter()
    return {"total_s": done - clock, "close_s": done - appended,
            "js_files": _files(b.path), "js_rows": b.read(format="arrow", columns=[]).num_rows}


# --------------------------------------------------------------------------- driver side


def _run(label: str, code_dir: Path, minutes: float, tracks: int, speed: float) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code_dir))
    with tempfile.TemporaryDirectory(prefix=f"soak-{label}-") as tmp:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--minutes",
               str(minutes), "--tracks", str(tracks), "--dash-root", tmp, "--speed", str(speed)]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{label} worker failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _ratio(before, after) -> str:
    if not before or not after:
        return ""
    return f"{before / after:.1f}× less" if before >= after else f"{after / before:.2f}× more"


def _table(before: dict, after: dict) -> str:
    def side(d, fmt):
        return fmt(d) if d else "not run"

    rows = [
        ("files per TF track before close (max)", lambda d: d["files"][-1][1], True),
        ("files of the 1 kHz track before close", lambda d: d["files"][-1][2], True),
        ("files in the recording before close", lambda d: d["files_before_close"], True),
        ("close time, s", lambda d: round(d["close_s"], 2), True),
        ("files per TF track after close (min-max)", lambda d: d["tf_files_after"], False),
        ("files of the 1 kHz track after close", lambda d: d["js_files_after"], True),
        ("1 s window read at minute 1, ms", lambda d: round(d["read_start"]["ms"], 2), True),
        ("1 s window read at the end, ms", lambda d: round(d["read_end"]["ms"], 2), True),
        ("  files opened by it (start / end)", lambda d: (
            f"{d['read_start']['files_opened']} / {d['read_end']['files_opened']}"), False),
        ("peak RSS, MiB", lambda d: max(r[2] for r in d["rss"]), True),
        ("final RSS after close, MiB", lambda d: d["rss_final"], True),
        ("reopen + append 10 rows + close, s", lambda d: round(d["reopen"]["total_s"], 3), True),
        ("  of which close, s", lambda d: round(d["reopen"]["close_s"], 3), True),
        ("recording (append + flush) wall time, s", lambda d: round(d["record_s"], 1), True),
    ]
    lines = ["| metric | before | after | ratio |", "|---|---|---|---|"]
    for name, get, ratio in rows:
        b, a = side(before, get), side(after, get)
        r = _ratio(b, a) if ratio and before and after else ""
        lines.append(f"| {name} | {b} | {a} | {r} |")
    lines.append("")
    lines.append("RSS (MiB, now / peak) and files (max per TF track / 1 kHz track) over "
                 "simulated minutes:")
    lines.append("")
    lines.append("| minute | before RSS | after RSS | before files | after files |")
    lines.append("|---|---|---|---|---|")
    ref = after or before
    for i, row in enumerate(ref["rss"]):
        def at(d, key, j=i):
            if not d:
                return ""
            r = d[key][j]
            return f"{r[1]} / {r[2]}"
        lines.append(f"| {row[0]} | {at(before, 'rss')} | {at(after, 'rss')} | "
                     f"{at(before, 'files')} | {at(after, 'files')} |")
    return "\n".join(lines)


def main() -> None:
    """Run the workload before and after, print the table and write RESULTS.md."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--tracks", type=int, default=60)
    ap.add_argument("--before", type=Path, help="checkout of the code to compare with")
    ap.add_argument("--speed", type=float, default=0.0,
                    help="simulated seconds per wall second at most (0: as fast as possible)")
    ap.add_argument("--section", default="Soak: one hour of recording")
    ap.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--dash-root", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.minutes, args.tracks, args.dash_root, args.speed)))
        return
    before = (_run("before", args.before, args.minutes, args.tracks, args.speed)
              if args.before else None)
    after = _run("after", REPO, args.minutes, args.tracks, args.speed)
    body = (f"`.venv/bin/python benchmarks/bench_soak.py {' '.join(sys.argv[1:])}` on "
            f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}: {args.minutes:g} "
            f"simulated minutes, {args.tracks} TF tracks at {TF_HZ} Hz + JointState at "
            f"{JS_HZ} Hz, a flush every {FLUSH_S:g} s of simulated time "
            f"({after['steps']} flushes), "
            + (f"paced at {args.speed:g}× real time" if args.speed else "as fast as it runs")
            + ".\n\n" + _table(before, after)
            + f"\n\nCompaction (after): {json.dumps(after.get('compaction'))}\n")
    print(body)
    if not args.no_write:
        sys.path.insert(0, str(HERE))
        from results import write_section
        write_section(args.section, body)


if __name__ == "__main__":
    main()

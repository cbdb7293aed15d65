"""Benchmark large rows: a 640x480 rgb8 camera stored as bytes rows through the Track API.

Each case runs in a fresh Python process (peak RSS is per process): ``--frames`` frames at
30 Hz in one flush (as a 20 s flush interval gives) or in 2 s flushes that overlap by one
frame, then close (compaction), then a one-frame read in another process. Reports close time,
one-frame read time and the peak RSS of each process, and the file / row-group layout.

Usage::

    .venv/bin/python benchmarks/bench_large_rows.py [--frames 600] [--repo PATH]

``--repo`` runs another checkout's code (for before/after figures).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap

WRITE = textwrap.dedent("""
    import json, resource, sys, time
    from ml_dash_ros import Experiment
    root, frames, per_flush = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    frame = bytes(640 * 480 * 3)
    exp = Experiment("cam", dash_root=root, flush_interval=3600, batch_size=10**6).open()
    b = exp.tracks("camera")
    k = 0
    while k < frames:
        for i in range(max(0, k - 1), min(frames, k + per_flush)):   # one frame overlaps
            b.append(data=frame, width=640, height=480, _ts=1000.0 + i / 30)
        b.flush()
        k += per_flush
    t0 = time.perf_counter()
    exp.close()
    close = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"close_s": close, "write_peak_rss_mb": rss}))
""")
READ = textwrap.dedent("""
    import json, resource, sys, time
    import pyarrow.parquet as pq
    from ml_dash_ros import Experiment
    from ml_dash_ros.tracks.store import layout
    root, frames = sys.argv[1], int(sys.argv[2])
    exp = Experiment("cam", dash_root=root)
    t0 = time.perf_counter()
    one = exp.tracks("camera").read(1000.0 + (frames // 2) / 30, 1000.0 + (frames // 2) / 30,
                                    format="arrow")
    read = time.perf_counter() - t0
    segs = layout.scan_segments(exp.tracks("camera").path)
    groups = [pq.ParquetFile(s.path).metadata.num_row_groups for s in segs]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"read_one_s": read, "rows": one.num_rows, "read_peak_rss_mb": rss,
                      "files": len(segs), "row_groups": sum(groups)}))
""")


def run(repo: str, frames: int, per_flush: int) -> dict:
    env = dict(os.environ, PYTHONPATH=repo)
    with tempfile.TemporaryDirectory() as root:
        out = {}
        for code, args in ((WRITE, [frames, per_flush]), (READ, [frames])):
            proc = subprocess.run([sys.executable, "-c", code, root, *map(str, args)], env=env,
                                  cwd=repo, capture_output=True, text=True, check=True)
            out.update(json.loads(proc.stdout.strip().splitlines()[-1]))
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--repo", default=os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    args = parser.parse_args()
    for label, per_flush in (("one flush", args.frames), ("2 s flushes", 60)):
        result = run(args.repo, args.frames, per_flush)
        print(f"{label:12s} " + "  ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                                          for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()

"""Benchmark an s3:// dash_root on a local S3 server against local disk and pyarrow, side by side.

The S3 server is moto's (``moto_server``) in a process of its own on 127.0.0.1, like a bucket
on the lab's network; its objects live in its memory. Two comparisons, alternating in one run:

- **upload**: a finished recording's files (``--mb`` MB of segments in ``--segments`` files,
  random floats, so Parquet cannot shrink them) staged as a recorder leaves them, then
  uploaded by the uploader's pass (``upload.sync``: one object per file, its size checked, the
  local copy removed) against ``pyarrow.fs.copy_files`` of the same files (its own threads and
  chunks). MB/s, median of ``--rounds``.
- **window**: a 1 s window of a ``--rows``-row track (100 Hz, 7 joints and a counter) read
  from the bucket against the same read from local disk, each in a fresh process: the first
  window (listing and footers included) and a second one (footers cached); time (median of
  ``--rounds``) and the bytes read (S3: ``fetch_stats``; local disk: the same counter over
  plain file reads in one extra run).

Results go to the "Object storage" section of benchmarks/RESULTS.md (others are kept).

Usage::

    .venv/bin/python benchmarks/bench_s3.py
    .venv/bin/python benchmarks/bench_s3.py --mb 20 --rows 100000 --rounds 3 --no-write
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from results import write_section  # noqa: E402

HZ = 100
BUCKET = "bench"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
               "AWS_REGION": "us-east-1"}

# A fresh process reads two 1 s windows of track 'robot' of experiment 'w' and prints the
# seconds and bytes of each. ``count``: read local files through the fetch counter.
WINDOW = """
import json, sys, time
sys.path.insert(0, {repo!r})
from ml_dash_ros import Experiment
from ml_dash_ros.tracks.store import storage
from ml_dash_ros.tracks.store.s3_storage import _Counted, fetch_stats
import pyarrow as pa

class Counted(storage.LocalDisk):
    def open(self, path, *, mapped=True):
        return pa.PythonFile(_Counted(pa.OSFile(str(path))), mode="r")

if {count!r}:
    storage.mount({local!r}, Counted())
track = Experiment("w", dash_root={root!r}).tracks("robot")
out = {{}}
for name, start in (("first", {first}), ("next", {second})):
    fetch_stats.reset()
    t = time.perf_counter()
    rows = track.read(start, start + 1.0, format="arrow")
    out[name + "_s"] = time.perf_counter() - t
    out[name + "_bytes"] = fetch_stats.bytes
    out[name + "_reads"] = fetch_stats.reads
    assert rows.num_rows == {hz} + 1, rows.num_rows
print(json.dumps(out))
"""


def start_server() -> tuple[subprocess.Popen, str]:
    """Start moto's S3 server on a free port; return it and its endpoint once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    exe = Path(sys.executable).with_name("moto_server")
    server = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(endpoint + "/", timeout=2).read()
            return server, endpoint
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit(f"moto_server did not answer on {endpoint}")
            time.sleep(0.2)


def write_segments(local: Path, mb: float, segments: int) -> list[Path]:
    """Record experiment 'u' with ``segments`` flushes of random rows; return its files."""
    from ml_dash_ros import Experiment

    rng = np.random.default_rng(0)
    per = max(1, int(mb * 1e6 / segments / 72))       # 8 float64 and a stamp per row
    with Experiment("u", dash_root=local, flush_interval=3600).run as exp:
        track = exp.tracks("robot")
        for k in range(segments):
            ts = k * per / HZ + np.arange(per) / HZ
            track.append_batch({"_ts": ts, "q": rng.standard_normal((per, 7)),
                                "g": rng.standard_normal(per)})
            track.flush()
    return sorted(p for p in (local / "u").rglob("*") if p.is_file())


def upload_ours(source: Path, staging: Path, key: str) -> float:
    """Stage ``source`` as a finished recording and upload it with ``upload.sync``."""
    from ml_dash_ros.tracks.store import upload
    from ml_dash_ros.tracks.store.s3_storage import attach

    backend = attach(f"s3://{BUCKET}/ours", staging)
    shutil.copytree(source, backend.staging / key)
    started = time.perf_counter()
    results = upload.sync(backend, key)
    seconds = time.perf_counter() - started
    assert results and results[0].waiting == 0, results
    return seconds


def upload_pyarrow(source: Path, fs, key: str) -> float:
    """Copy ``source`` to the bucket with ``pyarrow.fs.copy_files``."""
    import pyarrow.fs as pafs

    started = time.perf_counter()
    pafs.copy_files(str(source), f"{BUCKET}/pyarrow/{key}",
                    source_filesystem=pafs.LocalFileSystem(), destination_filesystem=fs)
    return time.perf_counter() - started


def bench_upload(work: Path, fs, mb: float, segments: int, rounds: int) -> dict:
    """Return the upload figures of both sides (MB/s per round) and the files' sizes."""
    files = write_segments(work / "upload-src", mb, segments)
    source = work / "upload-src" / "u"
    total = sum(p.stat().st_size for p in files)
    ours, theirs = [], []
    for k in range(rounds):
        sides = [("ours", ours), ("pyarrow", theirs)]
        for name, seconds in (sides if k % 2 == 0 else sides[::-1]):
            if name == "ours":
                seconds.append(upload_ours(source, work / "staging", f"r{k}"))
            else:
                seconds.append(upload_pyarrow(source, fs, f"r{k}"))
        fs.delete_dir_contents(BUCKET)             # moto keeps objects in memory
        print(f"upload round {k + 1}/{rounds}: ours {ours[-1]:.2f} s, "
              f"copy_files {theirs[-1]:.2f} s", file=sys.stderr)
    return {"files": len(files), "bytes": total,
            "ours_mb_s": statistics.median(total / 1e6 / s for s in ours),
            "pyarrow_mb_s": statistics.median(total / 1e6 / s for s in theirs)}


def bench_window(work: Path, fs, endpoint: str, rows: int, rounds: int) -> dict:
    """Return the window figures: median seconds per side, bytes per side, track size."""
    import pyarrow.fs as pafs

    from ml_dash_ros import Experiment

    local = work / "window"
    with Experiment("w", dash_root=local).run as exp:
        ts = np.arange(rows) / HZ
        exp.tracks("robot").append_batch({
            "_ts": ts, "q": np.random.default_rng(1).standard_normal((rows, 7)),
            "i": np.arange(rows)})
    pafs.copy_files(str(local / "w"), f"{BUCKET}/window/w",
                    source_filesystem=pafs.LocalFileSystem(), destination_filesystem=fs)
    track_bytes = sum(p.stat().st_size for p in (local / "w").rglob("*.parquet"))
    middle = rows / HZ / 2
    roots = {"local": str(local), "s3": f"s3://{BUCKET}/window"}
    times: dict = {side: [] for side in roots}
    for k in range(rounds):
        for side in (roots if k % 2 == 0 else list(roots)[::-1]):
            times[side].append(_window(roots[side], local, middle, endpoint, work, False))
    out = {"track_bytes": track_bytes, "files": len(list((local / "w").rglob("*.parquet")))}
    for side in roots:
        counted = _window(roots[side], local, middle, endpoint, work, True)
        for name in ("first", "next"):
            out[f"{side}_{name}_s"] = statistics.median(t[f"{name}_s"] for t in times[side])
            out[f"{side}_{name}_bytes"] = counted[f"{name}_bytes"]
            out[f"{side}_{name}_reads"] = counted[f"{name}_reads"]
    return out


def _window(root: str, local: Path, middle: float, endpoint: str, work: Path,
            count: bool) -> dict:
    code = WINDOW.format(repo=str(REPO), count=count and not root.startswith("s3://"),
                         local=str(local / "w" / "tracks"), root=root, first=middle,
                         second=middle + 60, hz=HZ)
    env = dict(os.environ, ML_DASH_S3_ENDPOINT=endpoint, ML_DASH_STAGING=str(work / "st2"),
               **CREDENTIALS)
    env.pop("_ROS_WHEELS_BOOTSTRAP_COMPLETE", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=600)
    if out.returncode:
        raise SystemExit(f"window read from {root} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def section(up: dict, win: dict, args: argparse.Namespace) -> str:
    """Return the markdown of the Object storage section."""
    ratio = up["ours_mb_s"] / up["pyarrow_mb_s"]
    mb = up["bytes"] / 1e6
    lines = [
        f"`.venv/bin/python benchmarks/bench_s3.py --mb {args.mb:g} --segments "
        f"{args.segments} --rows {args.rows} --rounds {args.rounds}` on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{date.today()}. The S3 server is moto's `moto_server` in its own process on "
        "127.0.0.1 (objects in its memory), so these figures compare our code with "
        "pyarrow's and a bucket with a disk on one machine; a real bucket adds the network.",
        "", f"**Upload** of a finished recording: {up['files']} files, {mb:.1f} MB "
        f"(median of {args.rounds}, alternating):", "",
        "| side | MB/s | ratio |", "|---|---|---|",
        f"| `pyarrow.fs.copy_files` | {up['pyarrow_mb_s']:.1f} | 1.00 |",
        f"| uploader pass (`upload.sync`: verify, remove local copy) | "
        f"{up['ours_mb_s']:.1f} | {ratio:.2f} |", "",
        f"**A 1 s window** ({HZ + 1} rows) of a {args.rows:,}-row track ({HZ} Hz, 7 joints and "
        f"a counter; {win['files']} segment file(s), {win['track_bytes'] / 1e6:.1f} MB), "
        f"each side in a fresh process (median of {args.rounds}, alternating); bytes read "
        "from the bucket (or the disk) and the number of reads:", "",
        "| read | local disk | bytes | S3 | bytes | S3 / local time |",
        "|---|---|---|---|---|---|",
    ]
    for name, what in (("first", "first window (listing, footers)"),
                       ("next", "next window (footers cached)")):
        loc, s3 = win[f"local_{name}_s"], win[f"s3_{name}_s"]
        lines.append(
            f"| {what} | {loc * 1000:.1f} ms | {win[f'local_{name}_bytes'] / 1e3:.0f} kB in "
            f"{win[f'local_{name}_reads']} | {s3 * 1000:.1f} ms | "
            f"{win[f's3_{name}_bytes'] / 1e3:.0f} kB in {win[f's3_{name}_reads']} | "
            f"{s3 / loc:.1f} x |")
    share = win["s3_first_bytes"] / win["track_bytes"]
    lines += [
        "", f"The first window from the bucket fetched {share:.2%} of the track's bytes: the "
        "footer and the one row group (4096 rows) holding the window, the same bytes as from "
        "the disk. Its time is the requests' (each GET to this server costs tens of "
        "milliseconds), not the bytes'. The uploader sends one file at a time, each "
        "checked and its local copy removed before the next (a recorder's uploads run "
        "beside the recording); `copy_files` sends several at once."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=200, help="MB to upload (default 200)")
    parser.add_argument("--segments", type=int, default=40, help="files to upload (40)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the track (1M)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per side (5)")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args()
    os.environ.update(CREDENTIALS)
    server, endpoint = start_server()
    os.environ["ML_DASH_S3_ENDPOINT"] = endpoint
    try:
        from ml_dash_ros.tracks.store import remote

        fs = remote.filesystem()
        import boto3
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
        with tempfile.TemporaryDirectory(prefix="bench-s3-") as tmp:
            up = bench_upload(Path(tmp), fs, args.mb, args.segments, args.rounds)
            win = bench_window(Path(tmp), fs, endpoint, args.rows, args.rounds)
    finally:
        server.terminate()
        server.wait(10)
    text = section(up, win, args)
    print(text)
    if not args.no_write:
        write_section("Object storage", text)


if __name__ == "__main__":
    main()

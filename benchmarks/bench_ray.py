"""Benchmark aligning a fleet's episodes on a local Ray against the single-process loop.

``--episodes`` synthetic episodes are written with the Track API (robot at 500 Hz: a 7-float
list and a scalar; imu at 200 Hz: a 3-float list; ``--seconds`` each). Both sides do the same
work: align every episode to ``--hz`` (linear) and write its Parquet shard under a new
directory (``tools.shards``). The loop runs in this process; Ray runs one task per episode on
``ray.init(num_cpus=--cpus)`` (``align_on_ray``). Ray's start-up is timed apart; the Ray times
are for a warm Ray (the first run, which starts the workers, is shown too). Target: on a quiet
machine Ray is at least 0.7 x cores times faster than the loop (1.4 x on 2 cores). Results go
to the "Ray" section of benchmarks/RESULTS.md (other sections are kept).

Usage::

    .venv/bin/python benchmarks/bench_ray.py                    # 100 episodes of 60 s
    .venv/bin/python benchmarks/bench_ray.py --episodes 8 --seconds 10 --no-write
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

sys.path.insert(0, str(REPO))

from ml_dash_ros import Experiment  # noqa: E402
from ml_dash_ros.tools.dataset import Dataset  # noqa: E402
from ml_dash_ros.tools.on_ray import align_on_ray, connect  # noqa: E402
from ml_dash_ros.tools.shards import write_shard  # noqa: E402
from results import write_section  # noqa: E402

TRACKS = ["robot", "imu"]
TARGET_PER_CORE = 0.7


def write_fleet(root: Path, episodes: int, seconds: float) -> Dataset:
    """Record ``episodes`` synthetic episodes under ``bench/fleet-NNN``; return the dataset."""
    rng = np.random.default_rng(0)
    for k in range(episodes):
        with Experiment(f"bench/fleet-{k:03d}", dash_root=root).run as exp:
            exp.params.set(task="pick", success=bool(k % 3))
            n = int(seconds * 500)
            ts = 1_700_000_000 + k * 1000 + np.arange(n) / 500.0
            exp.tracks("robot").append_batch({"_ts": ts, "q": rng.standard_normal((n, 7)),
                                              "gripper": rng.random(n)})
            m = int(seconds * 200)
            exp.tracks("imu").append_batch({"_ts": ts[0] + np.arange(m) / 200.0 + 1e-4,
                                            "acc": rng.standard_normal((m, 3))})
    return Dataset("bench/fleet-*", dash_root=root)


def loop(dataset: Dataset, out: Path, hz: float) -> float:
    """Align and write every episode in this process; return the seconds."""
    start = time.perf_counter()
    for index, episode in enumerate(dataset.episodes):
        write_shard(out, episode.prefix, dataset.align_episode(index, TRACKS, hz, "linear"))
    return time.perf_counter() - start


def on_ray(dataset: Dataset, out: Path, hz: float) -> float:
    """Align and write every episode in Ray tasks; return the seconds."""
    start = time.perf_counter()
    done = align_on_ray(dataset, TRACKS, hz, out=out, method="linear")
    assert len(done.written) == len(dataset), done
    return time.perf_counter() - start


def run(work: Path, episodes: int, seconds: float, hz: float, cpus: int, repeat: int) -> dict:
    """Return the timings of both sides (best of ``repeat``; Ray's first run and start-up)."""
    started = time.perf_counter()
    dataset = write_fleet(work / "dash", episodes, seconds)
    result = {"write": time.perf_counter() - started}
    started = time.perf_counter()
    ray = connect_local(cpus)
    result["ray_start"] = time.perf_counter() - started
    result["ray_first"] = on_ray(dataset, work / "ray-first", hz)
    result["loop"] = min(loop(dataset, work / f"loop-{k}", hz) for k in range(repeat))
    result["ray"] = min(on_ray(dataset, work / f"ray-{k}", hz) for k in range(repeat))
    ray.shutdown()
    return result


def connect_local(cpus: int):
    """Start a local Ray with ``cpus`` CPUs and return the module."""
    import ray

    ray.init(num_cpus=cpus, include_dashboard=False)
    return connect()


def section(r: dict, args: argparse.Namespace) -> str:
    """Return the markdown of the Ray section."""
    speedup = r["loop"] / r["ray"]
    target = TARGET_PER_CORE * args.cpus
    met = "yes" if speedup >= target else "**no**"
    per = 1000 / args.episodes
    return "\n".join([
        "## Ray", "",
        f"`.venv/bin/python benchmarks/bench_ray.py --episodes {args.episodes} --seconds "
        f"{args.seconds:g} --cpus {args.cpus}` on {platform.machine()}, {_cores()} cores, "
        f"Python {platform.python_version()}, {date.today()}. Best of {args.repeat}.", "",
        f"{args.episodes} episodes of {args.seconds:g} s (robot 500 Hz: 7 floats and a scalar; "
        f"imu 200 Hz: 3 floats), each aligned to {args.hz:g} Hz (linear) and written as its "
        "Parquet shard:", "",
        "| side | seconds | per episode | speed-up | target | met |", "|---|---|---|---|---|---|",
        f"| loop, one process | {r['loop']:.2f} s | {r['loop'] * per:.0f} ms | 1.0 x | | |",
        f"| Ray tasks, num_cpus={args.cpus} | {r['ray']:.2f} s | {r['ray'] * per:.0f} ms "
        f"| {speedup:.2f} x | ≥ {target:.1f} x | {met} |",
        "", f"Ray start-up (`ray.init`): {r['ray_start']:.1f} s; the first align on a new Ray "
        f"(workers starting): {r['ray_first']:.2f} s. Writing the episodes: {r['write']:.1f} s.",
    ]) + "\n"


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def main() -> None:
    """Run the benchmark and print (and store) the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of an episode")
    parser.add_argument("--hz", type=float, default=50.0, help="align rate")
    parser.add_argument("--cpus", type=int, default=_cores(), help="Ray's num_cpus")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(Path(tmp), args.episodes, args.seconds, args.hz, args.cpus, args.repeat)
    text = section(result, args)
    print(text)
    if not args.no_write:
        write_section("Ray", text.split("\n", 1)[1])   # the body, below its heading


if __name__ == "__main__":
    main()

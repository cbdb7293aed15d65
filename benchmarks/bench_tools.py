"""Benchmark the data tools: bag import against rosbags decoding alone, and align.

Import: a rosbag2 bag of ``--messages`` messages (JointState 7 joints at 500 Hz, Imu at 200 Hz,
TF with two transforms at 100 Hz), MCAP and sqlite3. The ceiling is ``rosbags`` reading and
deserializing every message with the same reader and typestore, nothing else; the import adds
conversion, stamp policy, renaming and the store up to closed tracks. It is also run with
JointState converted message by message, the path the live node takes.
Align: three 1 kHz tracks (7-float lists and a scalar) over ``--minutes`` minutes to 50 Hz.
Results go to the "Data tools" section of benchmarks/RESULTS.md (other sections are kept).

Usage::

    .venv/bin/python benchmarks/bench_tools.py                  # 100k messages, 10 minutes
    .venv/bin/python benchmarks/bench_tools.py --messages 20000 --minutes 1 --no-write
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterator

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

sys.path.insert(0, str(REPO))

from ml_dash_ros import Experiment  # noqa: E402
from ml_dash_ros.mapping import parse_config  # noqa: E402
from ml_dash_ros.tools.align import align  # noqa: E402
from ml_dash_ros.tools.bag_import import bag_typestore, import_bag  # noqa: E402
from results import write_section  # noqa: E402

JOINTS = [f"joint{i}" for i in range(7)]
RATES = {"/joint_states": 500, "/imu/data": 200, "/tf": 100}


def _mapping(dash_root: Path) -> object:
    return parse_config({
        "experiment": {"prefix": "bench/import", "dash_root": str(dash_root)},
        "topics": [
            {"topic": "/joint_states", "track": "robot",
             "fields": {"name": "name", "position": "q", "velocity": "qd", "effort": "tau"}},
            {"topic": "/imu/data", "track": "imu"},
            {"topic": "/tf", "track": "tf/{child_frame_id}"},
        ]}, source="bench")


def write_bench_bag(path: Path, count: int, storage: str) -> Path:
    """Write ``count`` messages at the RATES mix; return the bag path."""
    from rosbags.rosbag2 import StoragePlugin, Writer
    from rosbags.typesys import Stores, get_typestore

    store = get_typestore(Stores.ROS2_KILTED)
    T = store.types
    plugin = StoragePlugin.MCAP if storage == "mcap" else StoragePlugin.SQLITE3
    writer = Writer(path, version=9, storage_plugin=plugin)
    writer.open()
    conns = {"/joint_states": writer.add_connection("/joint_states",
                                                    "sensor_msgs/msg/JointState",
                                                    typestore=store),
             "/imu/data": writer.add_connection("/imu/data", "sensor_msgs/msg/Imu",
                                                typestore=store),
             "/tf": writer.add_connection("/tf", "tf2_msgs/msg/TFMessage", typestore=store)}
    vec, quat = T["geometry_msgs/msg/Vector3"], T["geometry_msgs/msg/Quaternion"]

    def header(t: float, frame: str):
        sec = int(t)
        return T["std_msgs/msg/Header"](stamp=T["builtin_interfaces/msg/Time"](
            sec=sec, nanosec=int((t - sec) * 1e9)), frame_id=frame)

    total = sum(RATES.values())
    events = []
    for topic, hz in RATES.items():
        n = int(round(count * hz / total))
        events += [(1_700_000_000 + k / hz, topic, k) for k in range(n)]
    events.sort()
    for t, topic, k in events[:count]:
        if topic == "/joint_states":
            x = np.sin(t + np.arange(7))
            msg = T["sensor_msgs/msg/JointState"](header=header(t, "base"), name=JOINTS,
                                                  position=x, velocity=x * 0.5, effort=x * 2)
            typ = "sensor_msgs/msg/JointState"
        elif topic == "/imu/data":
            msg = T["sensor_msgs/msg/Imu"](
                header=header(t, "imu"), orientation=quat(x=0.0, y=0.0, z=0.0, w=1.0),
                orientation_covariance=np.zeros(9), angular_velocity=vec(x=k * 1e-3, y=0.0, z=0.0),
                angular_velocity_covariance=np.zeros(9),
                linear_acceleration=vec(x=0.0, y=0.0, z=9.81),
                linear_acceleration_covariance=np.zeros(9))
            typ = "sensor_msgs/msg/Imu"
        else:
            pose = T["geometry_msgs/msg/Transform"](translation=vec(x=k * 1e-3, y=0.0, z=0.0),
                                                    rotation=quat(x=0.0, y=0.0, z=0.0, w=1.0))
            tfs = [T["geometry_msgs/msg/TransformStamped"](header=header(t, parent),
                                                           child_frame_id=child, transform=pose)
                   for parent, child in (("base", "tool0"), ("tool0", "gripper"))]
            msg = T["tf2_msgs/msg/TFMessage"](transforms=tfs)
            typ = "tf2_msgs/msg/TFMessage"
        writer.write(conns[topic], int(t * 1e9), store.serialize_cdr(msg, typ))
    writer.close()
    return path


def decode_only(bag: Path) -> tuple:
    """Read and deserialize every message with rosbags alone; return (messages, seconds)."""
    from rosbags.rosbag2 import Reader

    start = time.perf_counter()
    with Reader(bag) as reader:
        typestore, _ = bag_typestore(list(reader.connections))
        deserialize = typestore.deserialize_cdr
        n = 0
        for conn, _stamp, raw in reader.messages():
            deserialize(raw, conn.msgtype)
            n += 1
    return n, time.perf_counter() - start


def decode_convert(bag: Path, config: object) -> float:
    """Read, deserialize and run the recorder's TopicPipeline, no store; return seconds."""
    from rosbags.rosbag2 import Reader

    from ml_dash_ros.convert.pipeline import TopicPipeline

    process = {t.topic: TopicPipeline(t).entries for t in config.topics}
    start = time.perf_counter()
    with Reader(bag) as reader:
        typestore, _ = bag_typestore(list(reader.connections))
        deserialize = typestore.deserialize_cdr
        for conn, stamp, raw in reader.messages():
            process[conn.topic](deserialize(raw, conn.msgtype), stamp * 1e-9)
    return time.perf_counter() - start


def bench_import(work: Path, count: int, storage: str) -> dict:
    """Return decode-only and import rates for one storage (imports with and without columns)."""
    bag = write_bench_bag(work / f"bag-{storage}", count, storage)
    gc.collect()
    best_decode = min((decode_only(bag) for _ in range(3)), key=lambda r: r[1])
    n, secs = best_decode
    seconds = {}
    for mode in ("columns", "messages", "columns", "messages", "columns", "messages"):
        gc.collect()
        config = _mapping(work / f"dash-{storage}")
        with _column_conversion(mode == "columns"):
            report = import_bag(bag, config, prefix=f"bench/{storage}-{mode}-{time.time()}")
        best = seconds.get(mode)
        if best is None or report.seconds < best.seconds:
            seconds[mode] = report
    best = seconds["columns"]
    convert_s = min(decode_convert(bag, _mapping(work / "unused")) for _ in range(3))
    return {"storage": storage, "messages": n, "decode_s": secs, "decode_rate": n / secs,
            "convert_s": convert_s, "by_message_s": seconds["messages"].seconds,
            "import_s": best.seconds, "import_rate": best.messages / best.seconds,
            "entries": best.entries, "ratio": (best.messages / best.seconds) / (n / secs)}


@contextmanager
def _column_conversion(enabled: bool) -> Iterator[None]:
    """Let the import convert JointState in columns, or force message-by-message conversion."""
    from ml_dash_ros.convert.pipeline import TopicPipeline

    original = TopicPipeline.batchable
    if not enabled:
        TopicPipeline.batchable = lambda self, type_name: False
    try:
        yield
    finally:
        TopicPipeline.batchable = original


def bench_align(work: Path, minutes: float) -> dict:
    """Record three 1 kHz tracks and time align to 50 Hz with each method."""
    n = int(minutes * 60 * 1000)
    with Experiment("bench/align", dash_root=work / "dash-align").run as exp:
        rng = np.random.default_rng(0)
        for k, name in enumerate(("robot", "imu", "force")):
            ts = 1_700_000_000 + np.arange(n) / 1000.0 + k * 1e-4 \
                + rng.uniform(0, 2e-4, n)
            exp.tracks(name).append_batch({"_ts": ts, "v": rng.standard_normal((n, 7)),
                                           "s": rng.standard_normal(n)})
    exp = Experiment("bench/align", dash_root=work / "dash-align")
    out = {"rows": n}
    for method in ("asof", "nearest", "linear"):
        times = []
        for _ in range(3):
            gc.collect()
            start = time.perf_counter()
            table = align(exp, ["robot", "imu", "force"], hz=50, method=method,
                          tolerance=0.005)
            times.append(time.perf_counter() - start)
        out[method] = min(times)
        out["ticks"] = table.num_rows
        out["columns"] = table.num_columns
    return out


def section(imports: list, aligned: dict, count: int, minutes: float) -> str:
    """Return the markdown of the Data tools section."""
    lines = [
        "## Data tools", "",
        f"`.venv/bin/python benchmarks/bench_tools.py` on {platform.machine()}, "
        f"{_cores()} cores, Python {platform.python_version()}, {date.today()}. "
        "Best of 3 runs in one process.", "",
        f"Import of a {count:,}-message bag (JointState 7 joints 500 Hz, Imu 200 Hz, TF 2 "
        "transforms 100 Hz) into closed tracks, against rosbags reading and "
        "deserializing the same messages alone (the ceiling):", "",
        "| storage | rosbags decode only | import | import / ceiling | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for r in imports:
        met = "yes" if r["ratio"] >= 0.5 else "**no**"
        lines.append(f"| {r['storage']} | {r['decode_rate']:,.0f} msg/s ({r['decode_s']:.2f} s)"
                     f" | {r['import_rate']:,.0f} msg/s ({r['import_s']:.2f} s, "
                     f"{r['entries']:,} entries) | {r['ratio']:.0%} | ≥ 50 % | {met} |")
    lines += ["", "Per message (same runs): what rosbags costs, and what the import adds on top "
              "of it; for comparison the import with JointState converted message by message "
              "(as the live node does), and TopicPipeline.entries alone on every message:", "",
              "| storage | read + deserialize (rosbags) | import adds | import adds, message by "
              "message | TopicPipeline.entries alone adds |",
              "|---|---|---|---|---|"]
    for r in imports:
        n = r["messages"]
        decode = r["decode_s"] / n * 1e6
        lines.append(f"| {r['storage']} | {decode:.1f} µs "
                     f"| {r['import_s'] / n * 1e6 - decode:.1f} µs "
                     f"| {r['by_message_s'] / n * 1e6 - decode:.1f} µs "
                     f"| {r['convert_s'] / n * 1e6 - decode:.1f} µs |")
    lines += ["", "Notes: the import reads with rosbags' rosbag2 Reader. JointState (62 % of "
              "these messages) is converted 2000 messages at a time into numpy columns "
              "(`TopicPipeline.columns`, same values as the per-message converter) and handed "
              "to `append_batch` as arrays; the other topics go through "
              "`TopicPipeline.entries` and reach the store as value tuples "
              "(`TrackBuilder.append_rows`, checked a column at a time). Segments are cut by "
              "size only, large enough that closing rewrites nothing, and the cyclic GC is "
              "paused while streaming."]
    lines += [
        "", f"Align of three 1 kHz tracks over {minutes:g} minutes ({aligned['rows']:,} rows "
        f"each, a 7-float list and a scalar per row) to 50 Hz ({aligned['ticks']:,} ticks, "
        f"{aligned['columns']} columns), tolerance 5 ms, including reading the tracks:", "",
        "| method | seconds |", "|---|---|",
    ]
    for method in ("asof", "nearest", "linear"):
        lines.append(f"| {method} | {aligned[method]:.3f} s |")
    return "\n".join(lines) + "\n"


def _cores() -> int:
    import os
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def main() -> None:
    """Run the benchmarks and print (and store) the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        imports = [bench_import(work, args.messages, s) for s in ("mcap", "sqlite3")]
        aligned = bench_align(work, args.minutes)
    text = section(imports, aligned, args.messages, args.minutes)
    print(text)
    if not args.no_write:
        write_section("Data tools", text.split("\n", 1)[1])   # the body, below its heading


if __name__ == "__main__":
    main()

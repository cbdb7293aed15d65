"""Two 640x480 rgb8 cameras at 30 Hz and the demo robot's numeric topics through the recorder.

python benchmarks/bench_two_cameras.py [--seconds 60] [--demo-camera] [--print-only]

The demo robot publishes joint states (500 Hz), IMU (200 Hz), camera info, TF and TF static;
two publisher processes send the textured scene of bench_cameras.py (``--demo-camera``: the
demo robot's own colour camera, whose frames show their stamp, is the first camera instead).
The recorder node records all of it with the default ``video:`` settings. Reported: frames
published / recorded / refused per camera, the recorder's CPU (% of one core, from
/proc/PID/stat over the publishing window), bytes per frame against the raw pixels and against
the same pixels kept as Parquet rows (``video: false``), and the frame nearest 50 random stamps
of each camera read back (median / max, after one first read; the demo camera's frames are
checked against their stamp). The section '## Cameras: two at once' of RESULTS.md is written
unless --print-only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench_cameras import HEIGHT, RAW, RATE, WIDTH, Scene
from results import write_section

PREFIX = "bench/two"
NUMERIC = """\
  - {topic: /joint_states, track: robot, fields: {name: name, position: q, velocity: qd}}
  - {topic: /imu/data, track: imu}
  - {topic: /camera/color/camera_info, track: cam/color/info, on_change: true}
  - {topic: /tf, track: "tf/{child_frame_id}"}
  - {topic: /tf_static, track: "tf_static/{child_frame_id}"}
"""
SCENES = ("/bench/image", "/bench/image2")
DEMO = "/camera/color/image_raw"
GRID_NS = round(1e9 / RATE)       # the demo robot's camera stamps: multiples of this


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds of a process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cameras(demo_camera: bool) -> dict[str, str]:
    """Return {topic: track} of the two cameras."""
    topics = (DEMO, SCENES[0]) if demo_camera else SCENES
    return {topic: f"cam/{topic.strip('/').replace('/', '_')}" for topic in topics}


def record(seconds: float, work: Path, demo_camera: bool) -> dict:
    """Run robot, publishers and recorder; return the window, CPU and the recorder's counts."""
    env = dict(os.environ, ROS_DOMAIN_ID="172", ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST")
    topics = cameras(demo_camera)
    config = work / "map.yaml"
    config.write_text(f"experiment: {{prefix: {PREFIX}, dash_root: '{work / 'dash'}'}}\n"
                      "buffer: {flush_interval: 1.0, batch_size: 5000}\ntopics:\n" + NUMERIC
                      + "".join(f"  - {{topic: {t}, track: {k}}}\n" for t, k in topics.items()))
    log = open(work / "recorder.log", "wb")
    recorder = subprocess.Popen([sys.executable, "-m", "ml_dash_ros.ros.recorder_main",
                                 "--ros-args", "-p", f"config:={config}"], env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    robot = subprocess.Popen([sys.executable, "-m", "ml_dash_ros.ros.demo_robot", "--ros-args",
                              "-p", f"camera:={'true' if demo_camera else 'false'}"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bench = str(Path(__file__).with_name("bench_cameras.py"))
    pubs = [subprocess.Popen([sys.executable, bench, "--worker", "publish", "--topic", topic,
                              "--seconds", str(seconds)], env=env, stdout=subprocess.PIPE,
                             text=True) for topic in topics if topic != DEMO]
    try:
        _wait_for_log(work / "recorder.log", [f"{topic} [" for topic in topics])
        for pub in pubs:
            assert json.loads(pub.stdout.readline())["event"] == "start"
        t0, cpu0 = time.time(), cpu_seconds(recorder.pid)
        done = [json.loads(pub.stdout.readline()) for pub in pubs]
        t1 = time.time()
        time.sleep(1.0)                     # the last frames reach the recorder
        cpu1, t2 = cpu_seconds(recorder.pid), time.time()
    finally:
        for proc in (*pubs, robot):
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
        recorder.send_signal(signal.SIGINT)
        code = recorder.wait(timeout=300)
        log.close()
    episode = work / "dash" / f"{PREFIX}-001"
    stats = json.loads((episode / "recorder.json").read_text())["topics"]
    scenes = [topic for topic in topics if topic != DEMO]
    return {"t0": t0, "t1": t1, "cpu": 100.0 * (cpu1 - cpu0) / (t2 - t0), "exit": code,
            "published": {t: d["published"] for t, d in zip(scenes, done)},
            "episode": episode, "stats": stats, "topics": topics}


def _wait_for_log(path: Path, texts: list[str], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = path.read_text(errors="replace")
        if all(t in text for t in texts):
            return
        time.sleep(0.1)
    raise TimeoutError(f"the recorder did not subscribe to {texts} within {timeout} s")


def demo_frames_in_window(stamps: np.ndarray, t0: float, t1: float) -> tuple[int, int]:
    """Return (published, recorded) demo frames with stamps in [t0, t1] (a 30 Hz ns grid)."""
    first, last = -(-int(t0 * 1e9) // GRID_NS), int(t1 * 1e9) // GRID_NS
    ticks = set(np.round(stamps * 1e9 / GRID_NS).astype(np.int64).tolist())
    return last - first + 1, sum(1 for tick in ticks if first <= tick <= last)


def parquet_bytes(images: list[np.ndarray], work: Path, name: str) -> float:
    """Return the bytes a frame takes as raw pixels in Parquet rows (the Track API's zstd)."""
    from ml_dash_ros.tracks import Experiment

    exp = Experiment(f"bench/{name}", dash_root=work / "rows").open()
    for i, image in enumerate(images):
        exp.tracks("raw").append(_ts=i / RATE, height=HEIGHT, width=WIDTH, encoding="rgb8",
                                 is_bigendian=0, step=WIDTH * 3, data=image.tobytes())
    exp.close()
    files = (exp.path / "tracks").rglob("*.parquet")
    return sum(p.stat().st_size for p in files) / len(images)


def random_access(exp: object, track: str, demo: bool, picks: int = 50) -> dict:
    """Time the frame nearest random stamps; count demo frames not showing their stamp."""
    from ml_dash_ros.demo.stamp_image import read_color
    from ml_dash_ros.video.frames import Frames

    frames = Frames(exp, track)
    stamps = frames.index["_ts"]
    frames.at(stamps[0])            # the first read also imports and sets up the decoder
    rng = random.Random(1)
    times, cpu, wrong = [], [], 0
    for ts in (rng.uniform(stamps[0], stamps[-1]) for _ in range(picks)):
        start, start_cpu = time.perf_counter(), time.process_time()
        frame = frames.at(ts)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        if demo and read_color(frame.image) != round(frame.ts * 1e9 / GRID_NS) * GRID_NS:
            wrong += 1
    return {"median_ms": float(np.median(times)) * 1e3, "max_ms": max(times) * 1e3,
            "cpu_median_ms": float(np.median(cpu)) * 1e3, "cpu_max_ms": max(cpu) * 1e3,
            "wrong": wrong}


def measure(seconds: float, work: Path, demo_camera: bool) -> list[dict]:
    """Record, then return one dict of figures per camera (and the recorder's CPU)."""
    from ml_dash_ros.demo.stamp_image import color_image
    from ml_dash_ros.tracks import Experiment

    run = record(seconds, work, demo_camera)
    exp = Experiment(f"{PREFIX}-001", dash_root=work / "dash")
    scene = Scene()
    out = []
    for topic, track in run["topics"].items():
        row = run["stats"][topic]
        if topic == DEMO:
            published, recorded = demo_frames_in_window(
                exp.tracks(track).read(format="numpy")["_ts"], run["t0"], run["t1"])
            images = [color_image(int(run["t0"] * 1e9) + i * GRID_NS) for i in range(60)]
        else:
            published, recorded = run["published"][topic], row["video_frames"]
            images = [scene.frame(i) for i in range(60)]
        video = sum(p.stat().st_size for p in (run["episode"] / "files/video" / track).rglob(
            "seg-*")) / row["video_frames"]
        out.append({"topic": topic, "published": published, "recorded": recorded,
                    "refused": row["video_refused"], "errors": row["video_errors"],
                    "video_bytes": video,
                    "parquet_bytes": parquet_bytes(images, work, track.replace("/", "_")),
                    **random_access(exp, track, topic == DEMO),
                    "cpu": run["cpu"], "exit": run["exit"],
                    "numeric_dropped": sum(r["dropped"] for t, r in run["stats"].items()
                                           if t not in run["topics"])})
    return out


def report(rows: list[dict], seconds: float, demo_camera: bool, print_only: bool) -> None:
    """Print the table; write it to RESULTS.md unless ``print_only``."""
    lines = []
    for r in rows:
        lost = r["published"] - r["recorded"]
        lines += [
            (f"`{r['topic']}` frames published / recorded / refused",
             f"{r['published']} / {r['recorded']} / {r['refused']}", "no frame lost",
             "yes" if lost == 0 and r["refused"] == 0 else "**no**"),
            ("  bytes per frame, video (H.264 crf 23)", f"{r['video_bytes'] / 1024:.1f} KiB",
             "", ""),
            (f"  vs raw pixels ({RAW // 1024} KiB)", f"1/{RAW / r['video_bytes']:.0f}",
             "≤ 1/10", "yes" if r["video_bytes"] * 10 <= RAW else "**no**"),
            ("  vs raw pixels in Parquet rows", f"1/{r['parquet_bytes'] / r['video_bytes']:.0f}"
             f" ({r['parquet_bytes'] / 1024:.0f} KiB a row)", "", ""),
            ("  random frame, median / max", f"{r['median_ms']:.1f} / {r['max_ms']:.1f} ms",
             "< 50 ms", "yes" if r["max_ms"] < 50 else "**no**"),
            ("  its CPU time, median / max", f"{r['cpu_median_ms']:.1f} / "
             f"{r['cpu_max_ms']:.1f} ms", "", "")]
        if r["topic"] == DEMO:
            lines.append(("  frames read back not showing their stamp", str(r["wrong"]), "0",
                          "yes" if r["wrong"] == 0 else "**no**"))
    cpu = rows[0]["cpu"]
    lines += [("recorder CPU, % of one core", f"{cpu:.0f} %", "≤ 100 %",
               "yes" if cpu <= 100 else "**no**"),
              ("numeric topics: entries dropped", str(rows[0]["numeric_dropped"]), "0",
               "yes" if rows[0]["numeric_dropped"] == 0 else "**no**"),
              ("recorder exit code after SIGINT", str(rows[0]["exit"]), "0",
               "yes" if rows[0]["exit"] == 0 else "**no**")]
    table = "\n".join(["| metric | value | target | met |", "|---|---|---|---|"]
                      + [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in lines])
    print(table)
    if print_only:
        return
    first = "the demo robot's colour camera (its stamp drawn as cells)" if demo_camera \
        else "a textured scene"
    command = f"python benchmarks/bench_two_cameras.py --seconds {seconds:g}" \
              + (" --demo-camera" if demo_camera else "")
    write_section("Cameras: two at once", (
        f"`{command}` on {time.strftime('%Y-%m-%d')}. The demo robot's numeric topics "
        "(joint states 500 Hz, IMU 200 Hz, camera info, TF 100 Hz) and two 640x480 rgb8 "
        f"cameras at 30 Hz ({first}, and a textured scene panning 2 px a frame with sensor "
        "noise, published by its own process) recorded by one recorder node with the default "
        "`video:` settings. CPU from /proc over the publishing window.\n\n" + table))


def main() -> None:
    """Record the demo robot and two cameras, then print (and store) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--demo-camera", action="store_true",
                        help="the demo robot's colour camera is the first camera")
    parser.add_argument("--print-only", action="store_true", help="leave RESULTS.md alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(args.seconds, Path(tmp), args.demo_camera)
    report(rows, args.seconds, args.demo_camera, args.print_only)


if __name__ == "__main__":
    main()

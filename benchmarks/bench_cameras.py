"""One 640x480 rgb8 camera at 30 Hz: recorder CPU, bytes per frame, random access to a frame.

python benchmarks/bench_cameras.py [--seconds 30] [--minutes 10]

1. Live: a publisher process sends --seconds of 640x480 rgb8 frames at 30 Hz (a textured scene
   panning, with sensor noise) to the recorder node (default video settings: H.264 crf 23
   veryfast, 2 s segments); reports frames published / recorded / refused, the recorder's CPU
   % of one core, and bytes per frame on disk.
2. The same frames in-process: the subscription callback's share (``Camera.submit``) and the
   encoder's time per frame, and bytes per frame as raw pixels in Parquet rows (``video:
   false``, the Track API's default zstd) for comparison.
3. Random access: a --minutes recording written through the same camera code, then the frame
   nearest 50 random stamps (first call includes reading the track's index).
Results go to the '## Cameras' section of benchmarks/RESULTS.md. Two cameras and the demo
robot's numeric topics at once: bench_two_cameras.py.
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
import psutil

from results import write_section

WIDTH, HEIGHT, RATE = 640, 480, 30.0
RAW = WIDTH * HEIGHT * 3
CONFIG = """experiment: {{prefix: bench/cam, dash_root: '{dash}'}}
topics:
  - {{topic: /bench/image, track: camera, qos: reliable}}
"""


class Scene:
    """Frames of a textured scene (detail at 2 to 32 px) panning 2 px a frame, sensor noise."""

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        texture = np.zeros((HEIGHT, 2 * WIDTH, 3))
        for scale, weight in ((32, 0.5), (8, 0.3), (2, 0.2)):
            coarse = rng.uniform(0, 255, (HEIGHT // scale, 2 * WIDTH // scale, 3))
            texture += weight * np.kron(coarse, np.ones((scale, scale, 1)))
        self.texture = texture
        self.rng = rng

    def frame(self, i: int) -> np.ndarray:
        """Return frame ``i`` (fresh noise, sigma 2, on each call)."""
        shift = (2 * i) % WIDTH
        view = self.texture[:, shift:shift + WIDTH] + self.rng.normal(0, 2, (HEIGHT, WIDTH, 3))
        return np.clip(view, 0, 255).astype(np.uint8)


def publish(seconds: float, topic: str = "/bench/image") -> None:
    """Worker: publish rgb8 frames at 30 Hz for ``seconds``; print JSON start / done lines."""
    import rclpy
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import Image

    scene = Scene()
    frames = [scene.frame(i).tobytes() for i in range(64)]
    rclpy.init()
    node = rclpy.create_node("bench_camera" + topic.replace("/", "_"))
    pub = node.create_publisher(Image, topic,
                                QoSProfile(depth=30, reliability=ReliabilityPolicy.RELIABLE))
    while pub.get_subscription_count() == 0:
        time.sleep(0.05)
    time.sleep(1.0)
    print(json.dumps({"event": "start"}), flush=True)
    start, count = time.perf_counter(), 0
    while count < seconds * RATE:
        msg = Image(height=HEIGHT, width=WIDTH, encoding="rgb8", step=WIDTH * 3,
                    data=frames[count % 64])
        now = node.get_clock().now()
        msg.header.stamp = now.to_msg()
        pub.publish(msg)
        count += 1
        delay = start + count / RATE - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    print(json.dumps({"event": "done", "published": count,
                      "seconds": time.perf_counter() - start}), flush=True)
    rclpy.try_shutdown()


def live(seconds: float, work: Path) -> dict:
    """Record the publisher with the recorder node; return the live numbers."""
    env = dict(os.environ, ROS_DOMAIN_ID="171", ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST")
    config = work / "map.yaml"
    config.write_text(CONFIG.format(dash=work / "dash"))
    recorder = subprocess.Popen(
        [sys.executable, "-m", "ml_dash_ros.ros.recorder_main", "--ros-args",
         "-p", f"config:={config}"], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    pub = subprocess.Popen([sys.executable, __file__, "--worker", "publish", "--seconds",
                            str(seconds)], env=env, stdout=subprocess.PIPE, text=True)
    watched = psutil.Process(recorder.pid)
    assert json.loads(pub.stdout.readline())["event"] == "start"
    cpu0, wall0 = sum(watched.cpu_times()[:2]), time.perf_counter()
    done = json.loads(pub.stdout.readline())
    time.sleep(1.0)                         # the last frames reach the recorder
    cpu1, wall1 = sum(watched.cpu_times()[:2]), time.perf_counter()
    pub.wait()
    recorder.send_signal(signal.SIGINT)
    recorder.wait(timeout=120)
    stats = json.loads((work / "dash/bench/cam-001/recorder.json").read_text())
    row = stats["topics"]["/bench/image"]
    video = sum(p.stat().st_size for p in (work / "dash/bench/cam-001/files/video").rglob("*.mkv"))
    tracks = sum(p.stat().st_size for p in (work / "dash/bench/cam-001/tracks").rglob("*")
                 if p.is_file())
    return {"published": done["published"], "recorded": row["video_frames"],
            "refused": row["video_refused"], "errors": row["video_errors"],
            "cpu": 100.0 * (cpu1 - cpu0) / (wall1 - wall0),
            "video_bytes": video / row["video_frames"], "row_bytes": tracks / row["entries"]}


def in_process(work: Path, frames: int = 300) -> dict:
    """Time submit and encoding per frame; bytes per frame of raw pixels in Parquet rows."""
    from ml_dash_ros.tracks import Experiment
    from ml_dash_ros.video import VideoSettings
    from ml_dash_ros.video.segments import EncodedSegment

    scene = Scene()
    images = [scene.frame(i) for i in range(frames)]
    segment = EncodedSegment(work / "seg.mkv", width=WIDTH, height=HEIGHT, encoding="rgb8",
                             codec="h264", crf=23, preset=VideoSettings().preset, rate=RATE)
    start = time.perf_counter()
    for image in images:
        segment.add(image)
    segment.close()
    encode = (time.perf_counter() - start) / frames
    exp = Experiment("bench/rows", dash_root=work / "rows").open()
    from ml_dash_ros.video import Cameras
    camera = Cameras(exp.files("video").directory).camera("camera", VideoSettings(queue=frames))
    fields = [{"height": HEIGHT, "width": WIDTH, "encoding": "rgb8", "is_bigendian": 0,
               "step": WIDTH * 3, "data": image.tobytes()} for image in images]
    start = time.perf_counter()
    for i, f in enumerate(fields):
        camera.submit(f, i / RATE)
    submit = (time.perf_counter() - start) / frames
    camera.close()
    for i, f in enumerate(fields):
        exp.tracks("raw").append(_ts=i / RATE, **f)
    exp.close()
    raw_rows = sum(p.stat().st_size for p in (exp.path / "tracks").rglob("*")
                   if p.is_file() and "raw" in str(p))
    return {"encode_ms": encode * 1e3, "submit_ms": submit * 1e3,
            "parquet_bytes": raw_rows / frames}


def random_access(minutes: float, work: Path) -> dict:
    """Write a long recording through the camera code; time frames at random stamps."""
    from ml_dash_ros.tracks import Experiment
    from ml_dash_ros.video import Cameras, VideoSettings
    from ml_dash_ros.video.frames import Frames

    scene = Scene()
    images = [scene.frame(i).tobytes() for i in range(64)]
    exp = Experiment("bench/long", dash_root=work / "long").open()
    cameras = Cameras(exp.files("video").directory, block=True)
    camera = cameras.camera("camera", VideoSettings())
    count = int(minutes * 60 * RATE)
    start = time.perf_counter()
    for i in range(count):
        ts = 1000.0 + i / RATE
        row = camera.submit({"height": HEIGHT, "width": WIDTH, "encoding": "rgb8",
                             "is_bigendian": 0, "step": WIDTH * 3, "data": images[i % 64]}, ts)
        exp.tracks("camera").append(_ts=ts, **row)
    cameras.close()
    exp.close()
    write_seconds = time.perf_counter() - start
    reader = Experiment("bench/long", dash_root=work / "long")
    rng = random.Random(1)
    stamps = [1000.0 + rng.uniform(0, count / RATE) for _ in range(50)]
    frames = Frames(reader, "camera")
    start = time.perf_counter()
    frames.at(stamps[0])
    first = time.perf_counter() - start
    times = []
    for ts in stamps[1:]:
        start = time.perf_counter()
        frames.at(ts)
        times.append(time.perf_counter() - start)
    return {"frames": count, "write_seconds": write_seconds, "first_ms": first * 1e3,
            "median_ms": float(np.median(times)) * 1e3, "max_ms": max(times) * 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--worker", choices=["publish"])
    parser.add_argument("--topic", default="/bench/image", help="the worker's topic")
    parser.add_argument("--print-only", action="store_true", help="leave RESULTS.md alone")
    args = parser.parse_args()
    if args.worker == "publish":
        publish(args.seconds, args.topic)
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "live").mkdir()
        lv = live(args.seconds, work / "live")
        print(lv, flush=True)
        ip = in_process(work)
        print(ip, flush=True)
        ra = random_access(args.minutes, work)
        print(ra, flush=True)
    command = f"python benchmarks/bench_cameras.py --seconds {args.seconds:g} " \
              f"--minutes {args.minutes:g}"
    lost = lv["published"] - lv["recorded"]
    rows = [
        ("frames published / recorded / refused", f"{lv['published']} / {lv['recorded']} / "
         f"{lv['refused']}", "no frame lost", "yes" if lost == 0 else "**no**"),
        ("recorder CPU, % of one core", f"{lv['cpu']:.0f} %", "≤ 100 % (two cameras + robot)",
         "yes" if lv["cpu"] <= 50 else "**no**"),
        ("bytes per frame, video (H.264 crf 23)", f"{lv['video_bytes'] / 1024:.1f} KiB", "", ""),
        ("  vs raw pixels (900 KiB)", f"1/{RAW / lv['video_bytes']:.0f}", "≤ 1/10",
         "yes" if lv["video_bytes"] * 10 <= RAW else "**no**"),
        ("  vs raw pixels in Parquet rows", f"1/{ip['parquet_bytes'] / lv['video_bytes']:.0f} "
         f"({ip['parquet_bytes'] / 1024:.0f} KiB a row)", "", ""),
        ("  the camera track's own row (index)", f"{lv['row_bytes']:.0f} B", "", ""),
        ("callback share per frame (`Camera.submit`)", f"{ip['submit_ms']:.3f} ms", "", ""),
        ("encoding per frame (worker thread)", f"{ip['encode_ms']:.1f} ms", "", ""),
        (f"random frame of a {args.minutes:g}-minute recording ({ra['frames']} frames), "
         "median / max", f"{ra['median_ms']:.1f} / {ra['max_ms']:.1f} ms", "< 50 ms",
         "yes" if ra["max_ms"] < 50 else "**no**"),
        ("  first frame (reads the track index)", f"{ra['first_ms']:.0f} ms", "", ""),
        (f"  writing those {ra['frames']} frames through the camera", f"{ra['write_seconds']:.0f}"
         " s", "", ""),
    ]
    table = "\n".join(["| metric | value | target | met |", "|---|---|---|---|"]
                      + [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows])
    body = (f"`{command}` on {time.strftime('%Y-%m-%d')} (x86_64, 2 cores shared with the "
            "publisher). One 640x480 rgb8 camera at 30 Hz, a textured scene (detail at 2 to 32 "
            "px) panning 2 px a frame with sensor noise (sigma 2; 64 distinct frames "
            "repeated), recorded by the recorder node with the default "
            "`video:` settings (H.264 crf 23, preset veryfast, 2 s segments, encoding on a "
            f"thread per camera).\n\n{table}\n\n"
            "The issue's target of at most one core is for two cameras plus the demo robot's "
            "numeric topics; this run has one camera, so it is held to half a core.\n\n"
            "A random frame costs opening its segment, seeking to the key frame before it and "
            "decoding at most 15 frames (`KEYFRAME_EVERY`).\n")
    if not args.print_only:
        write_section("Cameras", body)
    print(table)


if __name__ == "__main__":
    main()

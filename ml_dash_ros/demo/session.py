"""Run the main job on the built-in demo robot: record a few seconds and show what was recorded.

python -m ml_dash_ros.demo.session [--seconds 5] [--dash-root .dash] [--prefix demo/robot]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from ml_dash_ros.tools.inventory import experiment_info
from ml_dash_ros.tools.listing import print_experiments
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.tracks.store.contract import episode_prefix


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="demo", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to record")
    parser.add_argument("--dash-root", default=".dash", help="where recordings go")
    parser.add_argument("--prefix", default=time.strftime("demo/robot-%Y%m%d-%H%M%S"),
                        help="experiment prefix of this recording")
    parser.add_argument("--config", default=str(Path(__file__).resolve().parents[2]
                                                / "config" / "demo.yaml"))
    return parser.parse_args(argv)


def _start(module: str, params: dict[str, str], env: dict[str, str], log: Path):
    args = [sys.executable, "-m", module, "--ros-args"]
    for key, value in params.items():
        args += ["-p", f"{key}:={value}"]
    return subprocess.Popen(args, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen, name: str, log: Path) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
    if code != 0:
        raise SystemExit(f"{name} exited with {code}; its log:\n{log.read_text()}")


def _wait_for_subscriptions(log: Path, config: str, timeout: float = 60.0) -> None:
    """Start the clock once the recorder has subscribed to every topic of the mapping (it logs
    'topic [type] -> track' for each; on a busy machine the last can come seconds later)."""
    with open(config, encoding="utf-8") as fh:
        wanted = len(yaml.safe_load(fh).get("topics") or ())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.read_text(errors="replace").count("] -> ") >= wanted:
            return
        time.sleep(0.1)
    print(f"demo: the recorder has not subscribed to all {wanted} topics after {timeout:g} s; "
          f"see {log}")


def _status_counts(log: Path) -> list:
    """Return the per-topic received counts of each status line the recorder logged."""
    return [re.findall(r"(\S+) (\d+)/", line)
            for line in log.read_text(errors="replace").splitlines()
            if "recv/written/dropped:" in line]


def _wait_until_received(log: Path, timeout: float = 15.0) -> None:
    """Wait until two new status lines of the recorder (1 s apart) show the same counts: what
    was still on its way to it when the robot stopped has arrived."""
    before = len(_status_counts(log))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = _status_counts(log)
        if len(lines) >= before + 2 and lines[-1] == lines[-2]:
            return
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    """Record the demo robot for a while, stop both with SIGINT, print the recording's table."""
    args = _parse(argv)
    dash_root = Path(args.dash_root).resolve()
    logs = dash_root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, ROS_DOMAIN_ID=str(random.randint(120, 220)),
               ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST")
    print(f"demo: ROS_DOMAIN_ID={env['ROS_DOMAIN_ID']}, recording {args.seconds:g} s "
          f"into {dash_root / episode_prefix(args.prefix, 1)}")
    robot_log, recorder_log = logs / "demo_robot.log", logs / "recorder.log"
    robot = _start("ml_dash_ros.ros.demo_robot", {}, env, robot_log)
    recorder = _start("ml_dash_ros.ros.recorder_main",
                      {"config": args.config, "dash_root": str(dash_root), "prefix": args.prefix},
                      env, recorder_log)
    try:
        _wait_for_subscriptions(recorder_log, args.config)
        time.sleep(args.seconds)
    finally:
        try:   # the robot first, so that what it sent last still reaches the recording
            _stop(robot, "demo_robot", robot_log)
            _wait_until_received(recorder_log)
        finally:
            _stop(recorder, "recorder", recorder_log)
    prefix = episode_prefix(args.prefix, 1)      # the recorder's first episode
    experiment = Experiment(prefix, dash_root=str(dash_root))
    summary = experiment_info(prefix, dash_root=dash_root)
    print_experiments([summary])
    print(f"\nrecorded into {experiment.path} (logs in {logs})")
    print(f"load it: Experiment({prefix!r}, dash_root={str(dash_root)!r})"
          ".tracks('robot').read(format='numpy')")
    for camera in summary.cameras:
        print(f"a frame of {camera.track} ({camera.frames} frames): ml_dash_ros.video.frames."
              f"Frames(experiment, {camera.track!r}).at(ts).image")
    return 0


if __name__ == "__main__":
    sys.exit(main())

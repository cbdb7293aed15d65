"""Helpers for tests that run real ROS processes: spawn, stop with signals, listen over DDS."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy


def stamp_seconds(stamp) -> float:
    """Return a builtin_interfaces/Time as float seconds."""
    return stamp.sec + stamp.nanosec * 1e-9


def spawn(module: str, *args: str, log_path=None) -> subprocess.Popen:
    """Start ``python -m module args`` in its own process group, in this run's ROS domain."""
    return run_python(["-m", module, *args], log_path=log_path)


def run_python(args: list[str], log_path=None, cwd=None) -> subprocess.Popen:
    """Start this interpreter with ``args`` in its own process group, output to ``log_path``."""
    out = open(log_path, "wb") if log_path else subprocess.DEVNULL
    return subprocess.Popen([sys.executable, *args], env=dict(os.environ), cwd=cwd,
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen, sig: int = signal.SIGINT, timeout: float = 20.0) -> int:
    """Send ``sig`` and wait for the exit code; SIGKILL the group if it does not exit."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise


@dataclass
class Heard:
    """Messages heard on one topic with their receive times."""

    messages: list = field(default_factory=list)
    received: list = field(default_factory=list)


class Listener:
    """Subscribe to topics on a private rclpy context and record what arrives."""

    def __init__(self, topics: dict[str, type], *, latched: tuple[str, ...] = (),
                 depth: int = 1000) -> None:
        self.heard: dict[str, Heard] = defaultdict(Heard)
        self._lock = threading.Lock()
        self._context = rclpy.Context()
        rclpy.init(context=self._context)
        self.node = rclpy.create_node("test_listener", context=self._context)
        for topic, msg_type in topics.items():
            qos = QoSProfile(depth=depth, reliability=ReliabilityPolicy.RELIABLE)
            if topic in latched:
                qos.durability = DurabilityPolicy.TRANSIENT_LOCAL
            self.node.create_subscription(msg_type, topic, self._callback(topic), qos)
        self._executor = SingleThreadedExecutor(context=self._context)
        self._executor.add_node(self.node)
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._thread.start()

    def _callback(self, topic: str):
        def on_message(msg) -> None:
            with self._lock:
                heard = self.heard[topic]
                heard.messages.append(msg)
                heard.received.append(time.monotonic())
        return on_message

    def _spin(self) -> None:
        while self._context.ok():
            try:
                self._executor.spin_once(timeout_sec=0.1)
            except Exception:  # the context was shut down under us
                return

    def count(self, topic: str) -> int:
        """Return how many messages arrived on ``topic`` so far."""
        with self._lock:
            return len(self.heard[topic].messages)

    def wait_for(self, topic: str, count: int = 1, timeout: float = 20.0) -> bool:
        """Wait until ``count`` messages arrived on ``topic``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count(topic) >= count:
                return True
            time.sleep(0.05)
        return False

    def snapshot(self, topic: str) -> list:
        """Return a copy of the messages heard on ``topic``."""
        with self._lock:
            return list(self.heard[topic].messages)

    def close(self) -> None:
        """Stop spinning and shut the private context down."""
        self._executor.shutdown(timeout_sec=1.0)
        self.node.destroy_node()
        rclpy.try_shutdown(context=self._context)
        self._thread.join(timeout=2.0)

    def __enter__(self) -> "Listener":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_config(path, topics_yaml: str, *, prefix: str = "test/run", dash_root=".dash",
                 extra: str = "") -> str:
    """Write a mapping YAML with the given ``topics:`` block; return its path."""
    text = (f"experiment: {{prefix: {prefix}, dash_root: '{dash_root}'}}\n"
            "buffer: {flush_interval: 0.5, batch_size: 2000}\n"
            f"{extra}topics:\n{topics_yaml}")
    path.write_text(text)
    return str(path)


def start_recorder(config: str, log_path, *params: str) -> subprocess.Popen:
    """Start the recorder node on ``config`` with extra ``name:=value`` parameters."""
    args = ["--ros-args", "-p", f"config:={config}"]
    for param in params:
        args += ["-p", param]
    return spawn("ml_dash_ros.ros.recorder_main", *args, log_path=log_path)


def wait_for_log(log_path, text: str, timeout: float = 30.0) -> bool:
    """Wait until ``text`` appears in a process's log file."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log_path.exists() and text in log_path.read_text(errors="replace"):
            return True
        time.sleep(0.1)
    return False


def wait_for_received(log_path, topic: str, count: int, timeout: float = 120.0) -> bool:
    """Wait until the recorder's status line says it received ``count`` messages of ``topic``
    (a listener of the test may hear them long before the recorder is matched)."""
    pattern = re.compile(rf"recv/written/dropped: .*?{re.escape(topic)} (\d+)/")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        if any(int(n) >= count for n in pattern.findall(text)):
            return True
        time.sleep(0.2)
    return False


PUBLISHERS = str(__import__("pathlib").Path(__file__).with_name("publishers.py"))


def start_publisher(kind: str, *args: str, log_path=None) -> subprocess.Popen:
    """Start a test publisher process (see publishers.py) of the given kind."""
    return run_python([PUBLISHERS, kind, *args], log_path=log_path)


def call_trigger(service: str, timeout: float = 20.0):
    """Call a std_srvs/Trigger service from this process; return the response."""
    from std_srvs.srv import Trigger
    context = rclpy.Context()
    rclpy.init(context=context)
    node = rclpy.create_node("test_client", context=context)
    try:
        client = node.create_client(Trigger, service)
        assert client.wait_for_service(timeout_sec=timeout), f"no service {service}"
        future = client.call_async(Trigger.Request())
        executor = SingleThreadedExecutor(context=context)
        executor.add_node(node)
        executor.spin_until_future_complete(future, timeout_sec=timeout)
        assert future.done(), f"{service} did not answer"
        return future.result()
    finally:
        node.destroy_node()
        rclpy.try_shutdown(context=context)

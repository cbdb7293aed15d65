"""Peers for bench_recorder.py, each run as its own process.

python ros_peers.py publish RATE SECONDS   JointState (7 joints) at RATE msg/s, reliable
python ros_peers.py bare                   a subscriber that only counts (the ceiling)
"""

import json
import signal
import sys
import time

import rclpy
from rclpy._rclpy_pybind11 import RCLError
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState

TOPIC = "/bench/joint_states"
QOS = QoSProfile(depth=10000, reliability=ReliabilityPolicy.RELIABLE)


def publish(rate: float, seconds: float) -> None:
    """Publish rate * seconds messages paced by the clock; print what was published."""
    node = rclpy.create_node("bench_publisher")
    pub = node.create_publisher(JointState, TOPIC, QOS)
    while pub.get_subscription_count() == 0:
        time.sleep(0.05)
    time.sleep(1.0)  # let discovery settle on both sides
    msg = JointState(name=[f"joint{i}" for i in range(1, 8)], position=[0.1] * 7,
                     velocity=[0.2] * 7, effort=[0.3] * 7)
    total, published, blocked = int(rate * seconds), 0, 0
    print(json.dumps({"event": "start"}), flush=True)
    start = time.perf_counter()
    while published < total:
        due = start + published / rate
        now = time.perf_counter()
        if now < due:
            time.sleep(min(due - now, 0.001))
            continue
        published += 1
        msg.header.stamp.sec, msg.header.stamp.nanosec = divmod(published * 1000, 10**9)
        msg.header.stamp.sec += 1000
        msg.position[0] = float(published)
        blocked += _publish(pub, msg)
    elapsed = time.perf_counter() - start
    print(json.dumps({"event": "done", "published": published, "seconds": elapsed,
                      "blocked": blocked}), flush=True)
    time.sleep(1.0)


def _publish(pub, msg) -> int:
    """Publish, retrying while a reliable reader's full queue blocks us; return the retries."""
    for retries in range(10000):
        try:
            pub.publish(msg)
            return retries
        except RCLError:
            time.sleep(0.0005)
    raise RuntimeError("the subscriber stopped taking messages")


def bare() -> None:
    """Count messages until SIGINT; print the count."""
    node = rclpy.create_node("bench_bare")
    count = 0

    def on_message(msg) -> None:
        nonlocal count
        count += 1
    node.create_subscription(JointState, TOPIC, on_message, QOS)
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    stop = []
    signal.signal(signal.SIGINT, lambda *_: stop.append(True))
    while not stop:
        executor.spin_once(timeout_sec=0.1)
    print(json.dumps({"received": count}), flush=True)


if __name__ == "__main__":
    rclpy.init(signal_handler_options=rclpy.signals.SignalHandlerOptions.NO)
    try:
        if sys.argv[1] == "publish":
            publish(float(sys.argv[2]), float(sys.argv[3]))
        else:
            bare()
    finally:
        rclpy.try_shutdown()

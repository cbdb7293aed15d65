"""A simulation that resets: python reset_publisher.py TOPIC COUNT.

Waits for a subscriber, then publishes COUNT JointStates stamped 100.00, 100.01, ... with
position +k (pass A), then the same stamps again with position -k - 1 (pass B), at 200 Hz.
Prints "done" and exits 0.
"""

import sys
import time

import rclpy
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState


def main() -> int:
    topic, count = sys.argv[1], int(sys.argv[2])
    rclpy.init()
    node = rclpy.create_node("reset_publisher")
    pub = node.create_publisher(JointState, topic, QoSProfile(
        depth=5000, reliability=ReliabilityPolicy.RELIABLE))
    deadline = time.monotonic() + 60
    while pub.get_subscription_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)     # the subscriber's side of the match
    for sign in (1, -1):
        for k in range(count):
            msg = JointState(name=["j"], position=[float(k) if sign > 0 else -k - 1.0])
            msg.header.stamp.sec, msg.header.stamp.nanosec = 100, k * 10_000_000
            pub.publish(msg)
            time.sleep(0.005)
    time.sleep(1.0)     # reliable delivery of the last messages before the writer goes
    print("done", flush=True)
    node.destroy_node()
    rclpy.try_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())

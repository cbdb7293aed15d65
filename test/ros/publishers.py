"""Test publishers run as their own processes: python publishers.py KIND [--qos Q] [--rate HZ].

KIND is joint_states (stamped from the clock), zero_stamp (JointState with a zero stamp) or
string (std_msgs/String, which has no header). Prints the number published on exit.
"""

import argparse
import sys

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState
from std_msgs.msg import String


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["joint_states", "zero_stamp", "string"])
    parser.add_argument("--topic", default="/test/topic")
    parser.add_argument("--qos", default="reliable", choices=["reliable", "best_effort"])
    parser.add_argument("--rate", type=float, default=100.0)
    args = parser.parse_args()
    rclpy.init()
    node = rclpy.create_node("test_publisher")
    qos = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE
                     if args.qos == "reliable" else ReliabilityPolicy.BEST_EFFORT)
    msg_type = String if args.kind == "string" else JointState
    pub = node.create_publisher(msg_type, args.topic, qos)
    published = 0

    def publish() -> None:
        nonlocal published
        published += 1
        if args.kind == "string":
            pub.publish(String(data=f"hello {published}"))
            return
        msg = JointState(name=["a", "b"], position=[float(published), 0.5])
        if args.kind == "joint_states":
            msg.header.stamp = node.get_clock().now().to_msg()
        pub.publish(msg)

    node.create_timer(1.0 / args.rate, publish)
    try:
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        print(published, flush=True)
        rclpy.try_shutdown()


if __name__ == "__main__":
    sys.exit(main())

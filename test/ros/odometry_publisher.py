"""Publish COUNT nav_msgs/Odometry messages on TOPIC once a subscriber is there, then exit.

python odometry_publisher.py TOPIC COUNT: message i has stamp 1000 + i / 100 s and
pose.position.x = i. Exits 0 when every message was acknowledged, 1 if none subscribed in time.
"""

import sys
import time

import rclpy
from nav_msgs.msg import Odometry
from rclpy.duration import Duration
from rclpy.qos import QoSProfile, ReliabilityPolicy

DEADLINE = 60.0


def odometry(i: int) -> Odometry:
    """Return the ``i``-th message: stamped on a 100 Hz grid, x = i, moving at 1 m/s."""
    msg = Odometry()
    msg.header.stamp.sec, msg.header.stamp.nanosec = 1000 + i // 100, (i % 100) * 10_000_000
    msg.header.frame_id, msg.child_frame_id = "odom", "base_link"
    msg.pose.pose.position.x = float(i)
    msg.pose.pose.orientation.w = 1.0
    msg.twist.twist.linear.x = 1.0
    return msg


def main() -> int:
    topic, count = sys.argv[1], int(sys.argv[2])
    rclpy.init()
    node = rclpy.create_node("odometry_publisher")
    pub = node.create_publisher(Odometry, topic, QoSProfile(
        depth=count, reliability=ReliabilityPolicy.RELIABLE))
    try:
        deadline = time.monotonic() + DEADLINE
        while pub.get_subscription_count() == 0:
            if time.monotonic() > deadline:
                return 1
            time.sleep(0.05)
        for i in range(count):
            pub.publish(odometry(i))
        return 0 if pub.wait_for_all_acked(Duration(seconds=DEADLINE)) else 1
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == "__main__":
    sys.exit(main())

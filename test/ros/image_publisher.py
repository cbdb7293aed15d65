"""Publish COUNT sensor_msgs/Image messages on TOPIC once a subscriber is there, then exit.

python image_publisher.py TOPIC ENCODING COUNT [--rate HZ] [--resize-at N]: message i has
stamp 1000 + i / 32 s and the pixels of ``test.video.support.frame_image(encoding, i)``
(from message N on, twice as wide and high); ENCODING jpeg or png publishes CompressedImage
of ``smooth(i)``. Exits 0 when every message was acknowledged.
"""

import argparse
import sys
import time
from pathlib import Path

import rclpy
from rclpy.duration import Duration
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CompressedImage, Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from test.video.support import compressed_fields, frame_image, smooth  # noqa: E402

DEADLINE = 60.0


def image_message(encoding: str, i: int, resize_at: int) -> Image:
    """Return the ``i``-th message."""
    scale = 2 if 0 <= resize_at <= i else 1
    array = frame_image(encoding, i, 64 * scale, 48 * scale)
    msg = Image(height=array.shape[0], width=array.shape[1], encoding=encoding,
                step=array.strides[0], data=array.tobytes())
    msg.header.stamp.sec, msg.header.stamp.nanosec = 1000 + i // 32, (i % 32) * 31_250_000
    msg.header.frame_id = "camera"
    return msg


def compressed_message(fmt: str, i: int) -> CompressedImage:
    """Return the ``i``-th CompressedImage: ``smooth(i)`` as jpeg or png."""
    msg = CompressedImage(format=fmt, data=compressed_fields(smooth(i), fmt)["data"])
    msg.header.stamp.sec, msg.header.stamp.nanosec = 1000 + i // 32, (i % 32) * 31_250_000
    return msg


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("topic")
    parser.add_argument("encoding")
    parser.add_argument("count", type=int)
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--resize-at", type=int, default=-1)
    args = parser.parse_args()
    rclpy.init()
    node = rclpy.create_node("image_publisher")
    compressed = args.encoding in ("jpeg", "png")
    pub = node.create_publisher(CompressedImage if compressed else Image, args.topic, QoSProfile(
        depth=args.count, reliability=ReliabilityPolicy.RELIABLE))
    try:
        deadline = time.monotonic() + DEADLINE
        while pub.get_subscription_count() == 0:
            if time.monotonic() > deadline:
                return 1
            time.sleep(0.05)
        for i in range(args.count):
            pub.publish(compressed_message(args.encoding, i) if compressed
                        else image_message(args.encoding, i, args.resize_at))
            if args.rate:
                time.sleep(1.0 / args.rate)
        return 0 if pub.wait_for_all_acked(Duration(seconds=DEADLINE)) else 1
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == "__main__":
    sys.exit(main())

"""The built-in demo robot: a simulated 7-joint arm publishing with deterministic motion.

Topics: /joint_states (500 Hz), /imu/data (200 Hz), /camera/color/camera_info (30 Hz),
/camera/color/image_raw (rgb8 640x480) and /camera/depth/image_raw (16UC1 160x120), both at
30 Hz and off with ``camera:=false``, /tf (100 Hz, one transform per link) and /tf_static
(camera mount, transient_local, once). Every value is a function of the header stamp (see
``ml_dash_ros.demo.motion``); the images show their stamp (``ml_dash_ros.demo.stamp_image``,
tests read it back from the recorded video). Stamps lie on
an exact grid per topic (multiples of the period in nanoseconds): a timer tick that comes late
publishes every grid stamp due since the last one, so a busy machine delays messages but never
skips one. SIGINT / SIGTERM stop it with exit code 0.
"""

from __future__ import annotations

import array
import signal
import threading
import time
from typing import Callable

import rclpy
from builtin_interfaces.msg import Time
from geometry_msgs.msg import TransformStamped
from rclpy.duration import Duration
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rclpy.signals import SignalHandlerOptions
from sensor_msgs.msg import CameraInfo, Image, Imu, JointState
from tf2_msgs.msg import TFMessage

from ml_dash_ros.demo import motion, stamp_image

DEFAULT_RATES = {"joint_states": 500.0, "imu": 200.0, "camera_info": 30.0, "tf": 100.0,
                 "camera": 30.0}
# Images a subscriber may lag behind by before a reliable publisher overwrites them (1 s).
IMAGE_DEPTH = 30
HISTORY_SECONDS = 2.0
ACK_SECONDS = 2.0          # at a stop, how long readers may take to acknowledge, in all
# A clock jump larger than this (sim time reset, a suspended machine) restarts a topic's grid
# at the current time instead of publishing the whole backlog.
MAX_BACKLOG_NS = 1_000_000_000
NS = 1_000_000_000


class _Grid:
    """The stamps of one topic: multiples of its period (ns), handed out as they fall due."""

    def __init__(self, rate: float) -> None:
        self.period = max(round(NS / rate), 1)
        self._next: int | None = None

    def due(self, now: int) -> range:
        """Return the grid stamps up to ``now`` not handed out yet."""
        start = self._next
        if start is None or not -MAX_BACKLOG_NS <= now - start <= MAX_BACKLOG_NS:
            start = now - now % self.period
        if start > now:
            return range(0)
        stamps = range(start, now + 1, self.period)
        self._next = stamps[-1] + self.period
        return stamps


class DemoRobot(Node):
    """Publish the demo arm's joint states, IMU, camera info and TF."""

    def __init__(self, **kwargs) -> None:
        super().__init__("demo_robot", **kwargs)
        rates = {
            name: self.declare_parameter(f"rates.{name}", default).value
            for name, default in DEFAULT_RATES.items()
        }
        self.declare_parameter("frame_prefix", "")
        self._prefix = self.get_parameter("frame_prefix").value
        if not self.declare_parameter("camera", True).value:
            rates["camera"] = 0.0

        # History for HISTORY_SECONDS of each numeric topic: a reliable reader starved of CPU
        # that long (a busy machine) still gets every stamp; 0.2 s lost some under heavy load.
        depth = {name: max(10, round(rate * HISTORY_SECONDS)) for name, rate in rates.items()}
        self._joint_pub = self.create_publisher(JointState, "joint_states", depth["joint_states"])
        self._imu_pub = self.create_publisher(Imu, "imu/data", depth["imu"])
        self._info_pub = self.create_publisher(CameraInfo, "camera/color/camera_info",
                                               depth["camera_info"])
        self._tf_pub = self.create_publisher(TFMessage, "tf", depth["tf"])
        self._color_pub = self.create_publisher(Image, "camera/color/image_raw", IMAGE_DEPTH)
        self._depth_pub = self.create_publisher(Image, "camera/depth/image_raw", IMAGE_DEPTH)
        latched = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL,
                             reliability=ReliabilityPolicy.RELIABLE)
        self._tf_static_pub = self.create_publisher(TFMessage, "tf_static", latched)

        publishers = {"joint_states": self._publish_joints, "imu": self._publish_imu,
                      "camera_info": self._publish_camera_info, "tf": self._publish_tf,
                      "camera": self._publish_images}
        self._ticks = []
        for name, publish in publishers.items():
            if rates[name] > 0:
                tick = self._on_grid(_Grid(rates[name]), publish)
                self._ticks.append(tick)
                self.create_timer(1.0 / rates[name], tick)
        self._publish_tf_static()
        self.get_logger().info(
            "publishing " + ", ".join(f"{name} at {rate:g} Hz" for name, rate in rates.items()))

    def publish_due(self) -> None:
        """Publish every stamp due up to now on every topic (a busy machine delays timers):
        at a stop, the last messages of every topic reach the same time."""
        for tick in self._ticks:
            tick()
        deadline = time.monotonic() + ACK_SECONDS   # reliable readers get them before we exit
        for publisher in self.publishers:
            left = max(0.0, deadline - time.monotonic())
            publisher.wait_for_all_acked(Duration(nanoseconds=int(left * NS)))

    def _stamp(self):
        return self.get_clock().now().to_msg()

    def _on_grid(self, grid: _Grid, publish: Callable[[Time], None]) -> Callable[[], None]:
        """Return a timer callback that publishes every grid stamp due, each at its stamp."""
        def tick() -> None:
            for ns in grid.due(self.get_clock().now().nanoseconds):
                publish(Time(sec=ns // NS, nanosec=ns % NS))
        return tick

    def _frame(self, name: str) -> str:
        return self._prefix + name

    def _publish_joints(self, stamp: Time) -> None:
        msg = JointState()
        msg.header.stamp = stamp
        sample = motion.joints(_seconds(msg.header.stamp))
        msg.name = list(motion.JOINT_NAMES)
        msg.position, msg.velocity, msg.effort = sample
        self._joint_pub.publish(msg)

    def _publish_imu(self, stamp: Time) -> None:
        msg = Imu()
        msg.header.stamp = stamp
        msg.header.frame_id = self._frame("imu_link")
        sample = motion.imu(_seconds(msg.header.stamp))
        o, w, a = sample
        msg.orientation.x, msg.orientation.y, msg.orientation.z, msg.orientation.w = o
        msg.angular_velocity.x, msg.angular_velocity.y, msg.angular_velocity.z = w
        msg.linear_acceleration.x, msg.linear_acceleration.y, msg.linear_acceleration.z = a
        msg.orientation_covariance = motion.IMU_COVARIANCE
        msg.angular_velocity_covariance = motion.IMU_COVARIANCE
        msg.linear_acceleration_covariance = motion.IMU_COVARIANCE
        self._imu_pub.publish(msg)

    def _publish_camera_info(self, stamp: Time) -> None:
        msg = CameraInfo()
        msg.header.stamp = stamp
        msg.header.frame_id = self._frame(motion.CAMERA_FRAME_ID)
        msg.width, msg.height = motion.CAMERA_WIDTH, motion.CAMERA_HEIGHT
        msg.distortion_model = "plumb_bob"
        msg.d = motion.CAMERA_D
        msg.k, msg.r, msg.p = motion.CAMERA_K, motion.CAMERA_R, motion.CAMERA_P
        self._info_pub.publish(msg)

    def _publish_images(self, stamp: Time) -> None:
        ns = stamp.sec * NS + stamp.nanosec
        frame_id = self._frame(motion.CAMERA_FRAME_ID)
        self._color_pub.publish(_image(stamp, frame_id, "rgb8", stamp_image.color_image(ns)))
        self._depth_pub.publish(_image(stamp, frame_id, "16UC1", stamp_image.depth_image(ns)))

    def _publish_tf(self, stamp: Time) -> None:
        t = _seconds(stamp)
        msg = TFMessage()
        for index in range(1, len(motion.LINK_FRAMES)):
            translation, rotation = motion.link_transform(t, index)
            msg.transforms.append(self._transform(
                stamp, motion.LINK_FRAMES[index - 1], motion.LINK_FRAMES[index],
                translation, rotation))
        self._tf_pub.publish(msg)

    def _publish_tf_static(self) -> None:
        translation, rotation = motion.CAMERA_MOUNT
        mount = self._transform(self._stamp(), motion.CAMERA_PARENT, motion.CAMERA_FRAME,
                                translation, rotation)
        self._tf_static_pub.publish(TFMessage(transforms=[mount]))

    def _transform(self, stamp, parent: str, child: str, translation, rotation):
        tf = TransformStamped()
        tf.header.stamp = stamp
        tf.header.frame_id = self._frame(parent)
        tf.child_frame_id = self._frame(child)
        v, r = tf.transform.translation, tf.transform.rotation
        v.x, v.y, v.z = translation
        r.x, r.y, r.z, r.w = rotation
        return tf


def _image(stamp: Time, frame_id: str, encoding: str, pixels) -> Image:
    """Return an Image of a C-contiguous array (its bytes copied once, not checked one by one)."""
    msg = Image(height=pixels.shape[0], width=pixels.shape[1], encoding=encoding,
                step=pixels.strides[0], data=array.array("B", pixels.tobytes()))
    msg.header.stamp, msg.header.frame_id = stamp, frame_id
    return msg


def _seconds(stamp) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


def main(args: list[str] | None = None) -> None:
    """Run the demo robot until SIGINT / SIGTERM, then stop cleanly (exit code 0).

    rclpy's own signal handler shuts the context down under a running timer callback, whose
    publish then fails; here a signal only ends the spin loop, and shutdown comes after it.
    """
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    node = None
    try:
        node = DemoRobot()
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        while not stop.is_set() and rclpy.ok():
            executor.spin_once(timeout_sec=0.1)
        if rclpy.ok():
            node.publish_due()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        if node is not None:
            node.destroy_node()
        rclpy.try_shutdown()


if __name__ == "__main__":
    main()

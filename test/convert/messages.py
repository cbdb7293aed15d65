"""Test messages built with rclpy, and the same bytes decoded by rosbags."""

import math

from builtin_interfaces.msg import Time
from geometry_msgs.msg import TransformStamped
from rclpy.serialization import serialize_message
from rosbags.typesys import Stores, get_typestore
from sensor_msgs.msg import CameraInfo, Imu, JointState
from tf2_msgs.msg import TFMessage

from ml_dash_ros.convert import message_type_name

TYPESTORE = get_typestore(Stores.ROS2_KILTED)


def as_rosbags(msg):
    """Return the rosbags message with exactly the content of an rclpy message."""
    return TYPESTORE.deserialize_cdr(serialize_message(msg), message_type_name(msg))


def joint_state(sec=10, nanosec=500_000_000, efforts=(1.0, math.nan), velocity=(0.1, 0.2)):
    msg = JointState(name=["shoulder", "elbow"], position=[0.5, -0.25],
                     velocity=list(velocity), effort=list(efforts))
    msg.header.stamp = Time(sec=sec, nanosec=nanosec)
    msg.header.frame_id = "base_link"
    return msg


def imu():
    msg = Imu()
    msg.header.stamp = Time(sec=3, nanosec=250_000_000)
    msg.header.frame_id = "imu_link"
    msg.orientation.z, msg.orientation.w = 0.6, 0.8
    msg.angular_velocity.z = 0.1
    msg.linear_acceleration.z = 9.81
    msg.orientation_covariance = [0.01, 0, 0, 0, 0.01, 0, 0, 0, 0.01]
    return msg


def camera_info():
    msg = CameraInfo(width=640, height=480, distortion_model="plumb_bob",
                     d=[0.1, -0.05, 0.0, 0.0, 0.0])
    msg.header.stamp = Time(sec=5)
    msg.header.frame_id = "camera"
    msg.k = [615.0, 0.0, 320.0, 0.0, 615.0, 240.0, 0.0, 0.0, 1.0]
    msg.roi.width, msg.roi.do_rectify = 100, True
    return msg


def transform(parent, child, sec, x):
    tf = TransformStamped(child_frame_id=child)
    tf.header.frame_id = parent
    tf.header.stamp = Time(sec=sec)
    tf.transform.translation.x = x
    tf.transform.rotation.w = 1.0
    return tf


def tf_message(sec=None):
    """Two transforms, the second stamped earlier than the first (out of order); or both at sec."""
    return TFMessage(transforms=[transform("base_link", "tool0", 20 if sec is None else sec, 1.5),
                                 transform("/world", "/base_link", 19 if sec is None else sec,
                                           -2.0)])

"""Which converter handles which message type."""

from __future__ import annotations

from typing import Any, Callable

from ml_dash_ros.convert import camera_info, generic, imu, joint_state, tf
from ml_dash_ros.convert.base import Entry
from ml_dash_ros.convert.types import message_type_name

Converter = Callable[[Any], list[Entry]]

CONVERTERS: dict[str, Converter] = {
    "sensor_msgs/msg/JointState": joint_state.convert,
    "sensor_msgs/msg/Imu": imu.convert,
    "sensor_msgs/msg/CameraInfo": camera_info.convert,
    "tf2_msgs/msg/TFMessage": tf.convert,
}


# Converters of many messages at once (columns), for bag imports; each gives the same values
# as its per-message converter, or None for a batch it does not handle.
COLUMN_CONVERTERS: dict[str, Callable[[list], Any]] = {
    "sensor_msgs/msg/JointState": joint_state.columns,
}


def converter_for(type_name: str) -> Converter:
    """Return the built-in converter of ``type_name``, or generic introspection."""
    return CONVERTERS.get(type_name, generic.convert)


def convert(msg: Any, type_name: str | None = None) -> list[Entry]:
    """Convert one message into its entries."""
    return converter_for(type_name or message_type_name(msg))(msg)

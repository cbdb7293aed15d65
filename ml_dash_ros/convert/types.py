"""Message type names ('pkg/msg/Type') of rclpy and rosbags messages, and class imports."""

from __future__ import annotations

import importlib
from typing import Any

from ml_dash_ros.errors import ConversionError


def message_type_name(msg: Any) -> str:
    """Return 'pkg/msg/Type' for an rclpy message or a rosbags message."""
    name = getattr(msg, "__msgtype__", None)          # rosbags
    if name:
        return name
    cls = type(msg)
    parts = cls.__module__.split(".")                  # rclpy: sensor_msgs.msg._joint_state
    if len(parts) < 2:
        raise ConversionError(f"{cls.__qualname__} is not a ROS message class")
    return f"{parts[0]}/{parts[1]}/{cls.__name__}"


def import_message_class(type_name: str) -> type:
    """Import the rclpy message class of 'pkg/msg/Type'; ConversionError says why not."""
    try:
        package, kind, name = type_name.split("/")
    except ValueError:
        raise ConversionError(f"message type {type_name!r} is not of the form pkg/msg/Type") \
            from None
    try:
        return getattr(importlib.import_module(f"{package}.{kind}"), name)
    except (ImportError, AttributeError) as err:
        raise ConversionError(
            f"cannot import message type {type_name}: {err} (is the package built and its "
            "workspace sourced?)") from err

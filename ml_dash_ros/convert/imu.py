"""sensor_msgs/msg/Imu: orientation xyzw, angular velocity, linear acceleration, covariances."""

from __future__ import annotations

from typing import Any

from ml_dash_ros.convert.base import Entry, header_entry, numbers, xyz, xyzw


def convert(msg: Any) -> list[Entry]:
    """Return one entry with the three vectors and their 3x3 covariances (row-major)."""
    return [header_entry(msg, {
        "orientation": xyzw(msg.orientation),
        "angular_velocity": xyz(msg.angular_velocity),
        "linear_acceleration": xyz(msg.linear_acceleration),
        "orientation_covariance": numbers(msg.orientation_covariance),
        "angular_velocity_covariance": numbers(msg.angular_velocity_covariance),
        "linear_acceleration_covariance": numbers(msg.linear_acceleration_covariance),
        "frame_id": msg.header.frame_id,
    })]

"""What every converter returns, and small helpers shared by converters.

Converters are duck-typed: they read attributes by name, so rclpy messages and ``rosbags``
messages (dataclasses with numpy arrays) give the same fields.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Entry(NamedTuple):
    """One track entry made from a message: fields, header stamp, template keys."""

    fields: dict[str, Any]
    stamp: float | None             # header stamp in seconds; None when there is no header
    keys: dict[str, str]            # values for track templates: frame_id, child_frame_id


def stamp_seconds(stamp: Any) -> float:
    """Return a builtin_interfaces/Time (or Duration) as float seconds."""
    return stamp.sec + stamp.nanosec * 1e-9


def numbers(values: Any) -> list:
    """Return a sequence of numbers (list, array.array, numpy array) as a plain list."""
    try:
        return values.tolist()
    except AttributeError:  # a list or tuple
        return list(values)


def xyz(vector: Any) -> list[float]:
    """Return a Vector3 / Point as [x, y, z]."""
    return [vector.x, vector.y, vector.z]


def xyzw(quaternion: Any) -> list[float]:
    """Return a Quaternion as [x, y, z, w]."""
    return [quaternion.x, quaternion.y, quaternion.z, quaternion.w]


def header_entry(msg: Any, fields: dict[str, Any]) -> Entry:
    """Return an Entry stamped from ``msg.header`` with ``frame_id`` as a template key."""
    header = msg.header
    stamp = header.stamp  # stamp_seconds, inlined: every message with a header comes here
    return Entry(fields, stamp.sec + stamp.nanosec * 1e-9, {"frame_id": header.frame_id})

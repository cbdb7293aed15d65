"""Message -> track fields: built-in converters and generic introspection, without rclpy.

Works on rclpy messages and on ``rosbags`` messages alike (same field names).
"""

from __future__ import annotations

from typing import Any

from ml_dash_ros.convert.base import Entry
from ml_dash_ros.convert.registry import convert
from ml_dash_ros.convert.types import import_message_class, message_type_name
from ml_dash_ros.errors import ConversionError
from ml_dash_ros.mapping.model import STAMP_POLICIES

__all__ = ["Entry", "convert", "import_message_class", "message_type_name", "to_entries",
           "to_fields"]


def to_entries(msg: Any, *, stamp: str = "header",
               receive_time: float | None = None) -> list[tuple[dict, float]]:
    """Return ``(fields, _ts)`` for every entry of ``msg`` (TFMessage has one per transform).

    ``stamp``: ``header`` (the header stamp), ``receive`` (``receive_time``) or
    ``header_or_receive`` (a zero or missing header stamp falls back to ``receive_time``).
    Raises ConversionError when an entry has no usable stamp for the policy.
    """
    if stamp not in STAMP_POLICIES:
        raise ConversionError(f"stamp={stamp!r}: expected one of {', '.join(STAMP_POLICIES)}")
    out = []
    for entry in convert(msg):
        if stamp == "receive" or (stamp == "header_or_receive" and not entry.stamp):
            ts = receive_time
        else:
            ts = entry.stamp or None
        if ts is None:
            raise ConversionError(_no_stamp(msg, entry, stamp))
        out.append((entry.fields, float(ts)))
    return out


def _no_stamp(msg: Any, entry: Entry, stamp: str) -> str:
    name = message_type_name(msg)
    if stamp == "receive":
        return f"{name}: stamp='receive' needs receive_time="
    what = "no header" if entry.stamp is None else "a zero header stamp"
    if stamp == "header_or_receive":
        return f"{name} has {what}: stamp='header_or_receive' needs receive_time="
    return (f"{name} has {what}, so no usable stamp for policy 'header': pass "
            "stamp='receive' (or 'header_or_receive') with receive_time=")


def to_fields(msg: Any, *, stamp: str = "header",
              receive_time: float | None = None) -> tuple[dict, float]:
    """Return ``(fields, _ts)`` of a one-entry message, with the converters the recorder uses.

    Raises ConversionError for a message with several entries (use ``to_entries``) or with
    no usable stamp for ``stamp``.
    """
    entries = to_entries(msg, stamp=stamp, receive_time=receive_time)
    if len(entries) != 1:
        raise ConversionError(
            f"{message_type_name(msg)} gives {len(entries)} entries, not one (TFMessage: one "
            "per transform); use to_entries() to get them all")
    return entries[0]

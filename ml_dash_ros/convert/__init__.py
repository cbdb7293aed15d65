"""Message -> track fields: built-in converters and generic introspection, without rclpy.

Works on rclpy messages and on ``rosbags`` messages alike (same field names).
"""

from __future__ import annotations

from typing import Any

from ml_dash_ros.convert.base import Entry
from ml_dash_ros.convert.registry import convert
from ml_dash_ros.convert.types import import_message_class, message_type_name
from ml_dash_ros.errors import ConversionError
from ml_dash_ros.convert.stamps import DEFAULT_POLICY, STAMP_POLICIES, choose_stamp

__all__ = ["Entry", "convert", "import_message_class", "message_type_name", "to_entries",
           "to_fields"]


def to_entries(msg: Any, *, stamp: str = DEFAULT_POLICY, receive_time: float | None = None,
               static: bool = False) -> list[tuple[dict, float]]:
    """Return ``(fields, _ts)`` for every entry of ``msg`` (TFMessage has one per transform).

    ``stamp`` is the recorder's stamp policy (``ml_dash_ros.convert.stamps``): ``auto``
    (default: the header stamp; ``receive_time`` for a message without a header; 0.0 for a
    zero stamp when ``static``), ``header``, ``receive`` or ``header_or_receive``.
    Raises ConversionError when an entry has no usable stamp for the policy.
    """
    if stamp not in STAMP_POLICIES:
        raise ConversionError(f"stamp={stamp!r}: expected one of {', '.join(STAMP_POLICIES)}")
    out = []
    for entry in convert(msg):
        choice = choose_stamp(stamp, entry.stamp, receive_time, static)
        if choice.ts is None:
            raise ConversionError(_no_stamp(msg, entry, stamp, choice.reason))
        out.append((entry.fields, float(choice.ts)))
    return out


def _no_stamp(msg: Any, entry: Entry, stamp: str, reason: str) -> str:
    name = message_type_name(msg)
    if reason:
        return f"{name}: {reason}"
    what = "no header" if entry.stamp is None else "a zero header stamp"
    return f"{name} has {what}: stamp={stamp!r} needs receive_time="


def to_fields(msg: Any, *, stamp: str = DEFAULT_POLICY, receive_time: float | None = None,
              static: bool = False) -> tuple[dict, float]:
    """Return ``(fields, _ts)`` of a one-entry message, with the converters the recorder uses.

    Raises ConversionError for a message with several entries (use ``to_entries``) or with
    no usable stamp for ``stamp``.
    """
    entries = to_entries(msg, stamp=stamp, receive_time=receive_time, static=static)
    if len(entries) != 1:
        raise ConversionError(
            f"{message_type_name(msg)} gives {len(entries)} entries, not one (TFMessage: one "
            "per transform); use to_entries() to get them all")
    return entries[0]

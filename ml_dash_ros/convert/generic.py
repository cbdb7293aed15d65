"""Any other message type: introspection into dotted fields.

Nested messages flatten to dotted names (``pose.position.x``); ``header.stamp`` becomes the
entry's stamp (not a column) and ``header.frame_id`` a template key; Time and Duration become
float seconds; numeric arrays become lists, ``uint8[]`` / ``byte[]`` arrays (image data, blobs)
``bytes`` and a scalar ``byte`` an int; arrays of messages become lists of dicts (the store
keeps them as a JSON text column, decoded back by the json formats).
"""

from __future__ import annotations

import array
import dataclasses
import re
from typing import Any

from ml_dash_ros.convert.base import Entry, stamp_seconds

_TIME_FIELDS = [("sec", False), ("nanosec", False)]
_RCLPY_BLOB = re.compile(r"^(sequence<)?(uint8|octet)(, ?\d+)?(>|\[\d+\])$")  # uint8[], byte[]
_ROSBAGS_BLOB = re.compile(r"\buint8\b")     # rosbags annotates uint8[] and byte[] as np.uint8
_ROSBAGS_HIDDEN = ("structure_needs_at_least_one_member",)     # rclpy does not expose it
_SPECS: dict[type, list[tuple[str, bool]]] = {}


def convert(msg: Any) -> list[Entry]:
    """Return one entry with every field of ``msg`` flattened."""
    fields: dict[str, Any] = {}
    stamp, keys = None, {}
    header = getattr(msg, "header", None)
    if header is not None and hasattr(header, "stamp"):
        stamp = stamp_seconds(header.stamp)
        keys["frame_id"] = header.frame_id
    _flatten(msg, "", fields, skip_stamp=stamp is not None)
    return [Entry(fields, stamp, keys)]


def is_message(value: Any) -> bool:
    """Tell whether ``value`` is a (nested) message object."""
    return hasattr(value, "get_fields_and_field_types") or hasattr(value, "__msgtype__")


def _specs(msg: Any) -> list[tuple[str, bool]]:
    """Return ``(field name, is a uint8/byte array)`` pairs, cached per message class."""
    cls = type(msg)
    specs = _SPECS.get(cls)
    if specs is None:
        get = getattr(msg, "get_fields_and_field_types", None)
        if get is not None:
            specs = [(name, bool(_RCLPY_BLOB.match(kind))) for name, kind in get().items()]
        else:  # rosbags: constants and __msgtype__ are annotated 'ClassVar[...]' (strings)
            specs = [(f.name, bool(_ROSBAGS_BLOB.search(str(f.type))))
                     for f in dataclasses.fields(msg)
                     if not str(f.type).startswith(("ClassVar", "typing.ClassVar"))
                     and f.name not in _ROSBAGS_HIDDEN]
        _SPECS[cls] = specs
    return specs


def _flatten(msg: Any, prefix: str, out: dict[str, Any], skip_stamp: bool = False) -> None:
    for name, blob in _specs(msg):
        value = getattr(msg, name)
        key = prefix + name
        if skip_stamp and key == "header.stamp":
            continue
        if is_message(value):
            if _is_time(value):
                out[key] = stamp_seconds(value)
            else:
                _flatten(value, key + ".", out, skip_stamp)
        else:
            out[key] = plain(value, blob=blob)


def plain(value: Any, *, blob: bool = False) -> Any:
    """Return a field value as plain Python: numbers, str, bytes, lists, dicts.

    ``blob`` marks a ``uint8[]`` / ``byte[]`` field: its array becomes ``bytes``.
    """
    if isinstance(value, bytes) and len(value) == 1:
        return value[0]                                    # rclpy's `byte` is b'x'; rosbags' int
    if isinstance(value, (bool, int, float, str, bytes)) or value is None:
        return value
    if isinstance(value, array.array):
        return value.tobytes() if blob else value.tolist()
    if getattr(value, "dtype", None) is not None:          # numpy array or scalar
        return value.tobytes() if blob and getattr(value, "ndim", 0) == 1 else value.tolist()
    if isinstance(value, (list, tuple)):
        if blob:
            return b"".join(item if isinstance(item, bytes) else bytes([item]) for item in value)
        return [_nested(item) if is_message(item) else plain(item) for item in value]
    return value


def _nested(msg: Any) -> Any:
    if _is_time(msg):
        return stamp_seconds(msg)
    return {name: (_nested(v) if is_message(v) else plain(v, blob=blob))
            for name, blob in _specs(msg) for v in [getattr(msg, name)]}


def _is_time(value: Any) -> bool:
    return _specs(value) == _TIME_FIELDS

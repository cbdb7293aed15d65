"""Validate `_ts` and field values; flatten nested dicts to dotted names."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ml_dash_ros.errors import FieldTypeError, TimestampError

MISSING: Any = object()

# Values stored as they are (no copy, no check) on the hot path.
PLAIN = frozenset((float, int, str, bool, type(None), bytes))
_PLAIN = PLAIN
# List items that make a list "flat" and need no deeper check.
_FLAT_ITEMS = frozenset((float, int, bool, str, type(None)))
_NUMPY_OK_KINDS = frozenset("biufUS")


def check_ts(topic: str, ts: Any) -> float:
    """Return `_ts` as a finite float or raise TimestampError naming the topic."""
    kind = type(ts)
    if kind is float or kind is int or (
        isinstance(ts, (int, float, np.integer, np.floating)) and not isinstance(ts, bool)
        and kind is not np.bool_
    ):
        try:
            value = float(ts)
        except OverflowError:
            value = math.inf
        if value - value == 0.0:
            return value
        raise TimestampError(f"track {topic!r}: _ts must be finite, got {ts!r}")
    if ts is MISSING:
        raise TimestampError(
            f"track {topic!r}: _ts is required, e.g. append(x=1.0, _ts=0.5)"
        )
    raise TimestampError(
        f"track {topic!r}: _ts must be a number (int, float or numpy scalar), "
        f"got {type(ts).__name__} {ts!r}"
    )


def normalize_fields(topic: str, fields: dict) -> dict:
    """Return fields ready for the buffer: lists copied, numpy converted, dicts flattened."""
    flatten = False
    for key, value in fields.items():
        kind = type(value)
        if kind in _PLAIN:
            continue
        if kind is list and _FLAT_ITEMS.issuperset(map(type, value)):
            fields[key] = tuple(value)  # copy: the caller may reuse and mutate its list
            continue
        if kind is dict:
            flatten = True
            continue
        fields[key] = _convert(topic, key, value)
    if flatten:
        out: dict = {}
        _flatten_into(topic, out, "", fields)
        return out
    return fields


def _flatten_into(topic: str, out: dict, prefix: str, fields: dict) -> None:
    for key, value in fields.items():
        if not isinstance(key, str):
            raise FieldTypeError(
                f"track {topic!r}: field {prefix}{key!r}: nested keys must be str, "
                f"got {type(key).__name__}"
            )
        name = prefix + key
        if type(value) is dict:
            _flatten_into(topic, out, name + ".", value)
        else:
            out[name] = value if type(value) in _PLAIN else _convert(topic, name, value)


def _convert(topic: str, name: str, value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list or kind is tuple:
        return tuple([_convert(topic, name, item) for item in value])
    if kind is dict:
        return {str(k): _convert(topic, f"{name}.{k}", v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        if value.dtype.kind in _NUMPY_OK_KINDS:
            return tuple(value.tolist()) if value.ndim == 1 else value.tolist()
        if value.dtype.kind == "O":
            return _convert(topic, name, value.tolist())
    elif isinstance(value, np.generic):
        if value.dtype.kind in _NUMPY_OK_KINDS:
            return value.item()
    elif isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    else:
        for base in (bool, int, float, str, bytes):  # subclasses such as IntEnum
            if isinstance(value, base):
                return base(value)
    raise FieldTypeError(
        f"track {topic!r}: field {name!r} has unsupported type {kind.__name__}; use None, bool, "
        "int, float, str, bytes, lists, dicts or numpy arrays/scalars"
    )

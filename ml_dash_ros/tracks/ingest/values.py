"""Validate `_ts`, column names and field values; flatten nested dicts to dotted names.

What passes here is what the store can write and read back: values nested at most
``MAX_DEPTH`` levels, text that is valid Unicode (UTF-8 encodable), ints of at most
``MAX_INT_BITS`` bits (beyond int64 they are kept exactly as JSON text), numpy values of
a dtype Arrow holds, and column names that ``column_name_problem`` accepts.
"""

from __future__ import annotations

import math
import re
from array import array as _array
from typing import Any, Iterable, Optional

import numpy as np

from ml_dash_ros.errors import FieldTypeError, FieldValueError, TimestampError

MISSING: Any = object()

# Values stored as they are (no copy, no check) on the hot path.
PLAIN = frozenset((float, int, str, bool, type(None), bytes))
_PLAIN = PLAIN
# List items that make a list "flat" and need no deeper check.
_FLAT_ITEMS = frozenset((float, int, bool, str, type(None)))
_NUMPY_OK_KINDS = frozenset("biufUS")
MAX_DEPTH = 32          # list levels of one value; dict levels of one field
MAX_NAME_LENGTH = 255   # characters of a column name
MAX_INT_BITS = 1024     # ints beyond int64 are stored exactly (JSON text) up to this size
# Names the recording pipeline writes itself; like every name starting with "_", reserved.
SYSTEM_COLUMNS = frozenset(("_recv_ts",))
_INT64_MIN, _INT64_MAX = -(2 ** 63), 2 ** 63 - 1
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_GOOD_NAMES: set = set()  # names already checked (bounded; a cache for the append path)
_GOOD_NAMES_MAX = 65536


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


def column_name_problem(name: Any) -> Optional[str]:
    """Return why ``name`` cannot be a column name, or None when it can.

    One rule for the store (``append``) and the mapping file (``fields:`` targets).
    """
    if not isinstance(name, str):
        return f"must be a str, got {type(name).__name__}"
    if not name:
        return "must not be empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"is {len(name)} characters long, more than {MAX_NAME_LENGTH}"
    if name[0] == "_":
        return "starts with '_' (reserved: _ts, _recv_ts)"
    if name[0] == "." or name[-1] == "." or ".." in name:
        return "has an empty part between dots (a leading, trailing or double '.')"
    if _CONTROL.search(name):
        return "holds a control character"
    if not text_ok(name):
        return "is not valid Unicode (a lone surrogate)"
    return None


def shown(name: str, limit: int = 60) -> str:
    """Return ``repr(name)``, cut to about ``limit`` characters."""
    return repr(name) if len(name) <= limit else repr(name[:limit]) + "..."


def check_name(topic: str, name: Any) -> None:
    """Raise FieldValueError (FieldTypeError for a non-str) unless ``name`` can be a column."""
    if name in _GOOD_NAMES:
        return
    problem = column_name_problem(name)
    if problem is None:
        if len(_GOOD_NAMES) < _GOOD_NAMES_MAX:
            _GOOD_NAMES.add(name)
        return
    error = FieldTypeError if not isinstance(name, str) else FieldValueError
    what = shown(name) if isinstance(name, str) else repr(name)
    raise error(f"track {topic!r}: column name {what} {problem}")


def check_names(topic: str, names: Iterable[Any]) -> None:
    """Check each column name of a batch (system columns allowed); see ``check_name``."""
    for name in names:
        if name not in SYSTEM_COLUMNS:
            check_name(topic, name)


def text_ok(text: str) -> bool:
    """Return True if ``text`` encodes to UTF-8 (no lone surrogates)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def texts_ok(texts: Iterable[str]) -> bool:
    """Return True if every str of ``texts`` encodes to UTF-8."""
    return text_ok("".join(texts))


class TextList(int):
    """The length k of a list-of-str field (e.g. joint names), kept as one Python list a row.

    A subclass of int so that ``type(want) is int`` (a list of numbers in a C array) stays
    false for it.
    """


def is_text_list(value: Any, length: int) -> bool:
    """Return True for a list of ``length`` str that all encode to UTF-8."""
    return (type(value) is list and len(value) == length and set(map(type, value)) == _STR_ONLY
            and texts_ok(value))


_STR_ONLY = {str}


def numpy_storable(dtype: np.dtype) -> bool:
    """Return True for a numpy dtype whose values the store holds (not float128, complex...)."""
    kind = dtype.kind
    return kind in "biuUS" or (kind == "f" and dtype.itemsize <= 8)


def _check_key(topic: str, key: Any, value: Any) -> None:
    if key not in SYSTEM_COLUMNS:
        check_name(topic, key)
    elif value is not None and (not isinstance(value, (int, float, np.integer, np.floating))
                                or isinstance(value, bool)):
        raise FieldTypeError(f"track {topic!r}: field {key!r} is the receive time and must be "
                             f"a number, got {type(value).__name__}")


_FLAT_NUMBERS = frozenset((float, bool, type(None)))


def _plain_list(value: list) -> bool:
    """Return True if a non-empty list needs no deeper check; quick for all-int, all-str."""
    head = type(value[0])
    if head is int:
        try:
            _array("q", value)  # ints (and bools) within int64, else an error
            return True
        except (TypeError, OverflowError):
            return _flat_ok(value)
    if head is str:
        try:
            text = "".join(value)
        except TypeError:  # not all str
            return _flat_ok(value)
        return text.isascii() or text_ok(text)
    return _flat_ok(value)


def _flat_ok(value: list) -> bool:
    """Return True if a list of plain items needs no deeper check (valid text, int64 ints)."""
    types = set(map(type, value))
    if not _FLAT_ITEMS.issuperset(types):
        return False
    if str in types and not texts_ok([v for v in value if type(v) is str]):
        return False
    return int not in types or all(
        _INT64_MIN <= v <= _INT64_MAX for v in value if type(v) is int)


def normalize_fields(topic: str, fields: dict) -> dict:
    """Return fields ready for the buffer: checked, lists copied, numpy converted, flattened.

    Raise FieldTypeError / FieldValueError naming the topic and the field.
    """
    flatten = False
    for key, value in fields.items():
        if key not in _GOOD_NAMES:
            _check_key(topic, key, value)
        kind = type(value)
        if kind in _PLAIN:
            if (kind is str and not value.isascii()) or (
                    kind is int and not _INT64_MIN <= value <= _INT64_MAX):
                _convert(topic, key, value)  # raises unless storable
            continue
        if kind is list and (_FLAT_NUMBERS.issuperset(map(type, value)) or _plain_list(value)):
            fields[key] = tuple(value)  # copy: the caller may reuse and mutate its list
            continue
        if kind is dict:
            flatten = True
            continue
        fields[key] = _convert(topic, key, value)
    if flatten:
        out: dict = {}
        _flatten_into(topic, out, "", fields, 1)
        return out
    return fields


def _flatten_into(topic: str, out: dict, prefix: str, fields: dict, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise FieldValueError(f"track {topic!r}: field {shown(prefix[:-1])}: dicts nested more "
                              f"than {MAX_DEPTH} levels deep")
    for key, value in fields.items():
        if not isinstance(key, str):
            raise FieldTypeError(
                f"track {topic!r}: field {prefix}{key!r}: nested keys must be str, "
                f"got {type(key).__name__}"
            )
        name = prefix + key
        if type(value) is dict:
            _flatten_into(topic, out, name + ".", value, depth + 1)
        else:
            if depth > 1 and name not in _GOOD_NAMES:
                _check_key(topic, name, value)
            out[name] = value if type(value) in _FLAT_NUMBERS else _convert(topic, name, value)


def _too_deep(topic: str, name: str) -> FieldValueError:
    return FieldValueError(f"track {topic!r}: field {shown(name)}: value nested more than "
                           f"{MAX_DEPTH} levels deep (or a list that holds itself)")


def _convert(topic: str, name: str, value: Any, depth: int = 0) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        if kind is str and not text_ok(value):
            raise FieldValueError(f"track {topic!r}: field {shown(name)}: text is not valid "
                                  "Unicode (a lone surrogate); it cannot be stored as UTF-8")
        if kind is int and not _INT64_MIN <= value <= _INT64_MAX and (
                value.bit_length() > MAX_INT_BITS):
            raise FieldValueError(f"track {topic!r}: field {shown(name)}: an int of "
                                  f"{value.bit_length()} bits; at most {MAX_INT_BITS} bits")
        return value
    if kind is list or kind is tuple:
        if depth >= MAX_DEPTH:
            raise _too_deep(topic, name)
        return tuple([_convert(topic, name, item, depth + 1) for item in value])
    if kind is dict:  # inside a list: kept as it is, in a JSON text column
        if depth >= MAX_DEPTH:
            raise _too_deep(topic, name)
        for key in value:
            if type(key) is not str:
                raise FieldTypeError(f"track {topic!r}: field {shown(name)}: keys of a dict "
                                     f"inside a list must be str, got {type(key).__name__}")
        if "$bytes" in value:
            raise FieldValueError(f"track {topic!r}: field {shown(name)}: the key '$bytes' "
                                  "is reserved (it marks bytes in JSON text)")
        return {_convert(topic, name, k, depth + 1): _convert(topic, name, v, depth + 1)
                for k, v in value.items()}
    if isinstance(value, np.ndarray):
        if numpy_storable(value.dtype):
            if value.ndim > MAX_DEPTH - depth:
                raise _too_deep(topic, name)
            if value.dtype.kind == "U":
                return _convert(topic, name, value.tolist(), depth)
            return tuple(value.tolist()) if value.ndim == 1 else value.tolist()
        if value.dtype.kind == "O":
            return _convert(topic, name, value.tolist(), depth)
    elif isinstance(value, np.generic):
        if numpy_storable(value.dtype):
            return _convert(topic, name, value.item(), depth)
    elif isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    else:
        for base in (bool, int, float, str, bytes):  # subclasses such as IntEnum
            if isinstance(value, base):
                return _convert(topic, name, base(value), depth)
    dtype = getattr(value, "dtype", None)
    hint = f" (numpy {dtype}: use float64, int64, bool or str)" if dtype is not None else ""
    raise FieldTypeError(
        f"track {topic!r}: field {shown(name)} has unsupported type {kind.__name__}{hint}; use "
        "None, bool, int, float, str, bytes, lists, dicts or numpy arrays/scalars"
    )

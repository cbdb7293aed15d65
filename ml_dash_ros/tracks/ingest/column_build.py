"""Python values to canonical Arrow columns, by the store's type rules (``store.schema``).

``build_column`` tries the type of the first value in one C pass and checks the values
really have its shape; a mix takes the widening rules, and anything else becomes JSON text.
``table_from_ts_rows`` does the same for dict rows that carry `_ts` themselves.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any, Iterable, Optional, Sequence

import pyarrow as pa

from ml_dash_ros.tracks.store import schema

_SCALAR_TYPES = {
    bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string(), bytes: pa.binary(),
}
_INT64_MIN, _INT64_MAX = -(2 ** 63), 2 ** 63 - 1
_MAX_GUESS_DEPTH = 32  # deeper values take the checked path (values.MAX_DEPTH)


def _guess(value: Any, depth: int = 0) -> Optional[pa.DataType]:
    t = _SCALAR_TYPES.get(type(value))
    if t is not None:
        return t
    if type(value) in (list, tuple) and depth < _MAX_GUESS_DEPTH:
        for item in value:
            if item is not None:
                inner = _guess(item, depth + 1)
                return None if inner is None else pa.list_(inner)
        return None
    return None


def _group_kind(group: list) -> Any:
    """Return the kind of same-Python-type values; lists of mixed numbers widen to double."""
    try:
        return schema.normalize_type(pa.array(group).type) or schema.JSON
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        pass
    try:
        pa.array([_widen(v) for v in group], type=pa.list_(pa.float64()))
        return pa.list_(pa.float64())
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return schema.JSON


def _widen(value: Any) -> Any:
    """Return a list of numbers as floats (ints beyond 2**53 rounded); TypeError otherwise."""
    if value is None:
        return None
    if type(value) in (list, tuple):
        return [_widen(v) for v in value]
    if type(value) in (bool, int, float):
        return float(value)
    raise TypeError(type(value).__name__)


_SEQUENCE_TYPES = frozenset((list, tuple, type(None)))


_TEXT_TYPES = {pa.string(): frozenset((str, type(None))),
               pa.binary(): frozenset((bytes, type(None)))}


def _conforms(values: Iterable[Any], t: pa.DataType) -> bool:
    """Return True if values have the shape of ``t`` as Python values.

    Given an explicit type, pyarrow reads a str where a list is due as a list of characters
    and bytes as str; this finds such values (they need the JSON fallback). Levels of numbers
    are left to pyarrow, which refuses a misfit itself.
    """
    text = _TEXT_TYPES.get(t)
    if text is not None:
        return text.issuperset(map(type, values))
    if not pa.types.is_list(t):
        return True
    values = [v for v in values if v is not None]
    if not _SEQUENCE_TYPES.issuperset(map(type, values)):
        return False
    inner = t.value_type
    if inner in _TEXT_TYPES or pa.types.is_list(inner):
        return all(_conforms(v, inner) for v in values)
    return True


def _has_int(t: pa.DataType) -> bool:
    while pa.types.is_list(t):
        t = t.value_type
    return t == pa.int64()


def build_column(values: Sequence[Any]) -> tuple[pa.Array, bool]:
    """Build one canonical Arrow column from Python values; return (array, is_json)."""
    first = next((v for v in values if v is not None), None)
    guess = _guess(first) if first is not None else pa.null()
    if guess is not None:
        try:
            # pyarrow truncates floats into an explicit int64 type: infer ints instead
            arr = pa.array(values) if _has_int(guess) else pa.array(values, type=guess)
            if _has_int(guess) and schema.normalize_type(arr.type) != arr.type:
                arr = None
        except (pa.ArrowException, OverflowError, TypeError, ValueError):
            arr = None
        if arr is not None and _conforms(values, guess):
            return arr, False
    return _build_mixed(values)


def _build_mixed(values: Sequence[Any]) -> tuple[pa.Array, bool]:
    target: Any = pa.null()
    by_type: dict = {}
    for v in values:
        if v is not None:
            by_type.setdefault(type(v), []).append(v)
    for kind, group in by_type.items():
        t = _SCALAR_TYPES.get(kind)
        if t is pa.int64() and not all(_INT64_MIN <= x <= _INT64_MAX for x in group):
            t = schema.JSON
        elif t is None:
            t = _group_kind(group)
        target = schema.unify_types(target, t)
        if target is schema.JSON:
            break
    if str in by_type and bytes in by_type:
        target = schema.JSON
    if target is schema.JSON:
        return schema.to_json_text(values), True
    leaf = target
    while pa.types.is_list(leaf):
        leaf = leaf.value_type
    if leaf in (pa.int64(), pa.float64()):
        cast = int if leaf == pa.int64() else float
        values = [_coerce(v, cast) for v in values]
    try:
        if _conforms(values, target):
            return pa.array(values, type=target), False
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        pass
    return schema.to_json_text(values), True


def _coerce(value: Any, cast: type) -> Any:
    """Widen bools (and ints) inside a value to the target number type."""
    if value is None:
        return None
    if type(value) in (list, tuple):
        return [_coerce(v, cast) for v in value]
    return cast(value)


def _first_value(rows: Sequence[dict], name: str) -> Any:
    for row in rows:
        value = row.get(name)
        if value is not None:
            return value
    return None


def _column_names(rows: Sequence[dict], skip: str = "") -> list:
    first = rows[0] if rows else {}
    names = [k for k in first if k != skip]
    extra = set().union(*rows).difference(first)
    extra.discard(skip)
    names.extend(sorted(extra, key=str))
    return names


def _struct_table(rows: Sequence[dict], names: list, ts: Optional[pa.Array]) -> Optional[pa.Table]:
    """Convert dict rows in one C pass with types guessed from first values, or None."""
    fields = []
    for name in names:
        value = _first_value(rows, name)
        guess = pa.null() if value is None else _guess(value)
        if guess is None or not name.isprintable():  # odd names: the checked path
            return None
        fields.append(pa.field(name, guess))
    if ts is None:
        fields.insert(0, pa.field(schema.TS, pa.float64()))
    try:
        struct = pa.array(rows, type=pa.struct(fields))
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return None
    columns = struct.flatten()
    if ts is not None:
        columns.insert(0, ts)
    for field, column in zip(fields[-len(names):] if names else [], columns[1:]):
        if (field.type in _TEXT_TYPES or pa.types.is_list(field.type)) and not _conforms(
                map(dict.get, rows, repeat(field.name)), field.type):
            return None
        if _has_int(field.type):  # an explicit int64 would truncate floats: check by inference
            try:
                if pa.array([r.get(field.name) for r in rows]).type != field.type:
                    return None
            except (pa.ArrowException, OverflowError, TypeError, ValueError):
                return None
    out_fields = [pa.field(schema.TS, pa.float64(), nullable=False)]
    out_fields.extend(pa.field(n, c.type) for n, c in zip(names, columns[1:]))
    return pa.Table.from_arrays(columns, schema=pa.schema(out_fields))


def table_from_ts_rows(rows: Sequence[dict]) -> Optional[pa.Table]:
    """Build a table from dict rows that carry `_ts` themselves, or None if not plain."""
    names = _column_names(rows, skip=schema.TS)
    if not all(type(k) is str for k in names):
        return None
    return _struct_table(rows, names, None)

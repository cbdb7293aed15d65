"""Arrow type rules for track columns, in one place.

Canonical column types: ``null``, ``bool``, ``int64``, ``double``, ``string``, ``binary`` and
``list<canonical>`` (nested lists allowed). ``_ts`` is always a non-null ``double``.

The conflict rule (applied when one flush holds mixed values, and again at read time when
segments disagree):

1. Numbers widen: ``bool < int64 < double``; a column mixing them takes the widest type
   present (``True`` reads back as ``1`` or ``1.0``). ``null`` (a field not set) joins any type.
2. Lists widen element-wise by rule 1 (``list<int64>`` + ``list<double>`` -> ``list<double>``;
   an empty list joins any list; one list mixing bools and numbers is ``list<double>``).
3. Any other mix (str with number, list with scalar, bytes with str, ints beyond int64,
   lists of dicts) turns the whole column into JSON text: a ``string`` column whose field
   metadata has ``ml_dash_ros.encoding = json``; each value is ``json.dumps`` of the original
   (bytes as ``{"$bytes": base64}``). The json/jsonl/mocap formats decode it back, so no
   value is lost; arrow/numpy/parquet return the JSON text as is.
"""

from __future__ import annotations

import base64
import json
from itertools import repeat
from typing import Any, Iterable, Optional, Sequence

import pyarrow as pa
import pyarrow.compute as pc

TS = "_ts"
ENCODING_KEY = b"ml_dash_ros.encoding"
JSON_META = {ENCODING_KEY: b"json"}
JSON = "json"  # marker returned by unify_types for the JSON-text fallback

_SCALAR_TYPES = {
    bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string(), bytes: pa.binary(),
}
_NUMERIC_RANK = {pa.bool_(): 0, pa.int64(): 1, pa.float64(): 2}
_INT64_MIN, _INT64_MAX = -(2 ** 63), 2 ** 63 - 1
_MAX_GUESS_DEPTH = 32  # deeper values take the checked path (values.MAX_DEPTH)


def is_json_field(field: pa.Field) -> bool:
    """Return True when a field holds JSON text under the conflict rule."""
    return bool(field.metadata) and field.metadata.get(ENCODING_KEY) == b"json"


def normalize_type(t: pa.DataType) -> Optional[pa.DataType]:
    """Map a type to its canonical form, or None when it has none (JSON fallback)."""
    if t in _NUMERIC_RANK or t == pa.null() or t == pa.string() or t == pa.binary():
        return t
    if pa.types.is_large_string(t):
        return pa.string()
    if pa.types.is_large_binary(t):
        return pa.binary()
    if pa.types.is_floating(t):
        return pa.float64()
    if pa.types.is_signed_integer(t) or t in (pa.uint8(), pa.uint16(), pa.uint32()):
        return pa.int64()
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        inner = normalize_type(t.value_type)
        return None if inner is None else pa.list_(inner)
    return None


def unify_types(a: Any, b: Any) -> Any:
    """Return the canonical type holding both, or JSON when only JSON text can."""
    if a is JSON or b is JSON:
        return JSON
    if a == b:
        return a
    if a == pa.null():
        return b
    if b == pa.null():
        return a
    if a in _NUMERIC_RANK and b in _NUMERIC_RANK:
        return a if _NUMERIC_RANK[a] > _NUMERIC_RANK[b] else b
    if pa.types.is_list(a) and pa.types.is_list(b):
        inner = unify_types(a.value_type, b.value_type)
        return JSON if inner is JSON else pa.list_(inner)
    return JSON


def field_kind(field: pa.Field) -> Any:
    """Return a stored field's canonical type, or JSON."""
    if is_json_field(field):
        return JSON
    t = normalize_type(field.type)
    return JSON if t is None else t


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


def _json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "__float__"):
        return float(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def _json_object_hook(obj: dict) -> Any:
    if len(obj) == 1 and "$bytes" in obj:
        return base64.b64decode(obj["$bytes"])
    return obj


def to_json_text(values: Iterable[Any]) -> pa.Array:
    """Encode Python values as a JSON-text string array (None stays null)."""
    return pa.array(
        [None if v is None else json.dumps(v, default=_json_default) for v in values],
        type=pa.string(),
    )


def from_json_text(values: Iterable[Optional[str]]) -> list:
    """Decode JSON-text values back to Python values."""
    return [None if v is None else json.loads(v, object_hook=_json_object_hook) for v in values]


def _group_kind(group: list) -> Any:
    """Return the kind of same-Python-type values; lists of mixed numbers widen to double."""
    try:
        return normalize_type(pa.array(group).type) or JSON
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        pass
    try:
        pa.array([_widen(v) for v in group], type=pa.list_(pa.float64()))
        return pa.list_(pa.float64())
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return JSON


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
            if _has_int(guess) and normalize_type(arr.type) != arr.type:
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
            t = JSON
        elif t is None:
            t = _group_kind(group)
        target = unify_types(target, t)
        if target is JSON:
            break
    if str in by_type and bytes in by_type:
        target = JSON
    if target is JSON:
        return to_json_text(values), True
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
    return to_json_text(values), True


def _coerce(value: Any, cast: type) -> Any:
    """Widen bools (and ints) inside a value to the target number type."""
    if value is None:
        return None
    if type(value) in (list, tuple):
        return [_coerce(v, cast) for v in value]
    return cast(value)


def cast_array(arr: pa.Array, source: Any, target: Any) -> pa.Array:
    """Cast a stored column to the unified target kind (numeric widening or JSON text)."""
    if target is JSON:
        if source is JSON:
            return arr
        return to_json_text(arr.to_pylist())
    if arr.type == target:
        return arr
    # Widening only (bool < int64 < double); an int64 beyond 2**53 rounds, as in any double
    # column, where Arrow's safe cast would refuse it.
    return pc.cast(arr, target, safe=False)


def target_field(name: str, kind: Any) -> pa.Field:
    """Return the Arrow field for a unified column kind."""
    if kind is JSON:
        return pa.field(name, pa.string(), metadata=JSON_META)
    return pa.field(name, kind)


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
        fields.insert(0, pa.field(TS, pa.float64()))
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
    out_fields = [pa.field(TS, pa.float64(), nullable=False)]
    out_fields.extend(pa.field(n, c.type) for n, c in zip(names, columns[1:]))
    return pa.Table.from_arrays(columns, schema=pa.schema(out_fields))


def table_from_ts_rows(rows: Sequence[dict]) -> Optional[pa.Table]:
    """Build a table from dict rows that carry `_ts` themselves, or None if not plain."""
    names = _column_names(rows, skip=TS)
    if not all(type(k) is str for k in names):
        return None
    return _struct_table(rows, names, None)


def unified_schema(schemas: Sequence[pa.Schema]) -> tuple[pa.Schema, dict]:
    """Unify several stored schemas; return the target schema and name -> kind."""
    kinds: dict = {}
    for schema in schemas:
        for field in schema:
            if field.name == TS:
                continue
            kind = field_kind(field)
            kinds[field.name] = unify_types(kinds.get(field.name, pa.null()), kind)
    fields = [pa.field(TS, pa.float64(), nullable=False)]
    fields.extend(target_field(n, k) for n, k in kinds.items())
    return pa.schema(fields), kinds


def _same(table: pa.Table, kinds: dict) -> bool:
    if table.column_names[0] != TS or table.column_names[1:] != list(kinds):
        return False
    for field, kind in zip(list(table.schema)[1:], kinds.values()):
        if kind is JSON:
            if not is_json_field(field):
                return False
        elif field.type != kind or is_json_field(field):
            return False
    return table.schema.field(TS).type == pa.float64()


def conform(table: pa.Table, kinds: dict) -> pa.Table:
    """Cast a stored table to the unified kinds, adding missing columns as nulls."""
    if _same(table, kinds):
        return table
    n = table.num_rows
    arrays = [table.column(TS).combine_chunks().cast(pa.float64())]
    fields = [pa.field(TS, pa.float64(), nullable=False)]
    present = {f.name: f for f in table.schema}
    for name, kind in kinds.items():
        field = present.get(name)
        if field is None:
            arr = pa.nulls(n, type=pa.string() if kind is JSON else kind)
        else:
            arr = cast_array(table.column(name).combine_chunks(), field_kind(field), kind)
        arrays.append(arr)
        fields.append(target_field(name, kind))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))

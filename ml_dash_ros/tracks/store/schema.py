"""Arrow type rules for track columns, in one place (building columns from Python values,
by these rules, is ``ingest.column_build``'s).

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
from typing import Any, Iterable, Optional, Sequence

import pyarrow as pa
import pyarrow.compute as pc

TS = "_ts"
ENCODING_KEY = b"ml_dash_ros.encoding"
JSON_META = {ENCODING_KEY: b"json"}
JSON = "json"  # marker returned by unify_types for the JSON-text fallback

_NUMERIC_RANK = {pa.bool_(): 0, pa.int64(): 1, pa.float64(): 2}


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

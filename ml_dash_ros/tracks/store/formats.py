"""Render a merged track table as json, jsonl, parquet, mocap, arrow or numpy.

In json/jsonl/mocap entries a field that is null in a row is left out of that row (null
means "not set"); JSON-text columns (see ``schema``) are decoded back to their values.

JSON text written here (``jsonl`` bytes, and the CLI's json output through ``dumps``) is
strict JSON: a non-finite float becomes the string ``"NaN"``, ``"Infinity"`` or
``"-Infinity"`` (the proto3 JSON rule), bytes become ``{"$bytes": base64}``.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import io
import json
import math
from typing import Any, Callable, Iterator, Optional

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ml_dash_ros.tracks.store import schema
from ml_dash_ros.tracks.store._generated import row_maker
from ml_dash_ros.tracks.store.schema import TS

FORMATS = ("json", "jsonl", "parquet", "mocap", "arrow", "numpy")


def check_format(fmt: str) -> None:
    """Raise ValueError for an unknown format name."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _column_values(col: pa.ChunkedArray, field: pa.Field) -> list:
    """Return a column as Python values, quickly for numbers and fixed-length lists."""
    if schema.is_json_field(field):
        arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        return schema.from_json_text(arr.to_pylist())
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    if len(chunks) == 1:
        return _chunk_values(chunks[0])
    out: list = []
    for chunk in chunks:  # chunk by chunk: no copy of the whole column first
        out += _chunk_values(chunk)
    return out


def _chunk_values(arr: pa.Array) -> list:
    t = arr.type
    if arr.null_count == 0:
        if t == pa.float64() or t == pa.int64() or t == pa.bool_():
            return arr.to_numpy(zero_copy_only=False).tolist()
        if pa.types.is_list(t) and len(arr) and t.value_type in _NUMBERS:
            k = pc_list_lengths(arr)
            if k is not None:
                flat = arr.flatten()
                if flat.null_count == 0:
                    return flat.to_numpy(zero_copy_only=False).reshape(len(arr), k).tolist()
    return arr.to_pylist()


_NUMBERS = (pa.float64(), pa.int64(), pa.bool_())


def pc_list_lengths(arr: pa.ListArray) -> Any:
    """Return the common length of every list in arr, or None if lengths differ."""
    offsets = arr.offsets.to_numpy()
    lengths = np.diff(offsets)
    if len(lengths) and (lengths == lengths[0]).all():
        return int(lengths[0])
    return None


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while building millions of small objects that hold no cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def to_entries(table: pa.Table) -> list:
    """Return rows as dicts, leaving out fields that are null in that row."""
    with gc_paused():
        return _to_entries(table)


def _to_entries(table: pa.Table) -> list:
    names = table.column_names
    columns = [_column_values(table.column(n), table.schema.field(n)) for n in names]
    sparse = [i for i, n in enumerate(names) if table.column(n).null_count]
    if not sparse:
        return list(map(row_maker(tuple(names)), *columns))
    entries = []
    for values in zip(*columns):
        entries.append({n: v for n, v in zip(names, values) if v is not None})
    return entries


def json_default(value: Any) -> Any:
    """Encode what ``json`` cannot: bytes as ``{"$bytes": base64}``; TypeError otherwise."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def finite_json(value: Any) -> Any:
    """Return value with every non-finite float replaced by "NaN", "Infinity" or "-Infinity"."""
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    return value


def dumps(value: Any, *, default: Optional[Callable[[Any], Any]] = None,
          **options: Any) -> str:
    """Return strict JSON text: non-finite floats as strings, bytes as ``{"$bytes": ...}``."""
    default = default or json_default
    try:
        return json.dumps(value, default=default, allow_nan=False, **options)
    except ValueError:  # a NaN or an infinity somewhere (rare): replace them, then encode
        return json.dumps(finite_json(value), default=default, allow_nan=False, **options)


def _to_parquet_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def _to_numpy(table: pa.Table) -> dict:
    out = {}
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        field = table.schema.field(name)
        t = col.type
        if (pa.types.is_list(t) and col.null_count == 0 and len(col)
                and col.values.null_count == 0 and pc_list_lengths(col) is not None
                and (pa.types.is_floating(t.value_type) or pa.types.is_integer(t.value_type)
                     or pa.types.is_boolean(t.value_type))):
            k = pc_list_lengths(col)
            out[name] = col.flatten().to_numpy(zero_copy_only=False).reshape(len(col), k)
        elif t == pa.float64() or (t in (pa.int64(), pa.bool_()) and col.null_count == 0):
            out[name] = col.to_numpy(zero_copy_only=False)
        elif t == pa.int64():
            out[name] = col.cast(pa.float64()).to_numpy(zero_copy_only=False)  # nulls -> NaN
        elif schema.is_json_field(field):
            out[name] = np.array(schema.from_json_text(col.to_pylist()) + [None],
                                 dtype=object)[:-1]
        else:
            out[name] = np.array(col.to_pylist() + [None], dtype=object)[:-1]
    return out


def _mocap(table: pa.Table, topic: str) -> dict:
    entries = to_entries(table)
    n = len(entries)
    start = entries[0][TS] if n else 0
    end = entries[-1][TS] if n else 0
    duration = end - start
    fps = (n - 1) / duration if n > 1 and duration > 0 else 30
    channels = sorted(name for name in table.column_names if name != TS)
    return {
        "version": "1.0",
        "metadata": {
            "topic": topic, "description": None, "tags": [], "fps": fps,
            "duration": duration, "frameCount": n, "startTime": start, "endTime": end,
        },
        "channels": channels,
        "frames": [{"time": e.pop(TS), **e} for e in entries],
    }


def render(table: pa.Table, fmt: str, topic: str) -> Any:
    """Return a merged, sorted table in the requested format."""
    check_format(fmt)
    if fmt == "arrow":
        return table
    if fmt == "numpy":
        return _to_numpy(table)
    if fmt == "parquet":
        return _to_parquet_bytes(table)
    if fmt == "mocap":
        return _mocap(table, topic)
    entries = to_entries(table)
    if fmt == "json":
        return {"entries": entries, "count": len(entries)}
    with gc_paused():
        return "".join([dumps(e) + "\n" for e in entries]).encode()

"""Columns for ``append_batch``: numpy / Arrow columns and plain dict rows checked and turned
into one buffer table (or None when the rows need the per-row path)."""

from __future__ import annotations

from itertools import chain
from typing import Any, Optional, Union

import numpy as np
import pyarrow as pa

from ml_dash_ros.errors import FieldTypeError, FieldValueError, TimestampError
from ml_dash_ros.tracks.ingest.values import check_names, normalize_fields, numpy_storable
from ml_dash_ros.tracks.ingest.column_build import build_column, table_from_ts_rows
from ml_dash_ros.tracks.store import schema

TS = schema.TS


_FAST_TS_TYPES = frozenset((float, int))
_PLAIN_TYPES = frozenset((float, int, bool, str, bytes, type(None), list, tuple, dict))


def _column_array(topic: str, name: str, values: Any) -> pa.Array:
    if isinstance(values, np.ndarray) and values.dtype.kind != "O":
        if not numpy_storable(values.dtype):
            raise FieldTypeError(f"track {topic!r}: column {name!r} has unsupported numpy "
                                 f"dtype {values.dtype}; use float64, int64, bool or str")
        if values.dtype.kind == "u" and values.dtype.itemsize == 8 and values.size:
            if values.max() > np.iinfo(np.int64).max:
                raise FieldTypeError(f"track {topic!r}: column {name!r}: uint64 values beyond "
                                     "int64; append rows as dicts to store them as JSON text")
            values = values.astype(np.int64)
    if isinstance(values, np.ndarray) and values.ndim == 2 and values.dtype.kind in "biuf":
        flat = pa.array(values.reshape(-1))
        arr: Any = pa.FixedSizeListArray.from_arrays(flat, values.shape[1])
    elif isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values
    elif isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind in "biufUS":
        try:
            arr = pa.array(values)
        except (pa.ArrowException, ValueError) as err:  # UnicodeDecodeError: a lone surrogate
            raise FieldValueError(f"track {topic!r}: column {name!r} cannot be stored: "
                                  f"{str(err)[:200]}") from err
    else:
        arr, is_json = build_column([normalize_fields(topic, {name: v})[name]
                                     for v in values])
        if is_json:
            raise FieldTypeError(f"track {topic!r}: column {name!r} mixes types; append rows "
                                 "as dicts to store it as JSON text")
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    kind = schema.normalize_type(arr.type)
    if kind is None:
        raise FieldTypeError(f"track {topic!r}: column {name!r} has unsupported type {arr.type}")
    return arr if arr.type == kind else arr.cast(kind)


def columns_table(topic: str, columns: Union[dict, pa.Table]) -> pa.Table:
    """Validate columns (dict of arrays or a Table) and return a buffer table."""
    if isinstance(columns, pa.Table):
        columns = {name: columns.column(name) for name in columns.column_names}
    if TS not in columns:
        raise TimestampError(f"track {topic!r}: append_batch columns need a {TS!r} column")
    ts = columns[TS]
    ts = ts.to_numpy() if isinstance(ts, (pa.Array, pa.ChunkedArray)) else np.asarray(ts)
    if ts.dtype.kind not in "iuf" or ts.ndim != 1:
        raise TimestampError(f"track {topic!r}: _ts column must hold numbers, got {ts.dtype}")
    ts = ts.astype(np.float64)
    if not np.isfinite(ts).all():
        raise TimestampError(f"track {topic!r}: _ts column must be finite (no NaN/inf)")
    arrays = [pa.array(ts)]
    fields = [pa.field(TS, pa.float64(), nullable=False)]
    check_names(topic, [name for name in columns if name != TS])
    for name, values in columns.items():
        if name == TS:
            continue
        arr = _column_array(topic, name, values)
        if len(arr) != len(ts):
            raise FieldTypeError(f"track {topic!r}: column {name!r} has {len(arr)} values, "
                                 f"_ts has {len(ts)}")
        arrays.append(arr)
        fields.append(pa.field(name, arr.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def batch_table(rows: list) -> Optional[pa.Table]:
    """Build a table straight from plain dict rows, or None to take the per-row path."""
    if set(map(type, rows)) != {dict}:
        return None
    if not _FAST_TS_TYPES.issuperset(map(type, [r.get(TS) for r in rows])):
        return None
    if not _PLAIN_TYPES.issuperset(set(map(type, chain.from_iterable(map(dict.values, rows))))):
        return None     # numpy scalars and others: the checked path decides, as append does
    table = table_from_ts_rows(rows)
    if table is None:
        return None
    ts = table.column(0)
    if ts.null_count or not np.isfinite(ts.to_numpy()).all():
        return None
    return table

"""``ArrayPart``: buffered rows of one fixed shape, numbers held in C arrays.

The common case of the merge buffer (``buffer``): every field is a float, an int, a str, bytes
or a bool, a non-empty list of floats or of ints, or a non-empty list of str (joint names).
Numbers go straight into ``array('d')`` / ``array('q')`` (a list of k numbers as k items), so
a buffered row holds no Python number objects and the flush turns the arrays into Arrow
columns without copying. Rows must keep the same fields, types and list lengths and arrive
with increasing ``_ts``; a row that does not raises ``Misfit`` and takes the general path.
"""

from __future__ import annotations

from array import array
from itertools import chain
from typing import Any, Optional

import numpy as np
import pyarrow as pa

from ml_dash_ros.tracks.ingest.column_build import build_column
from ml_dash_ros.tracks.store import schema
from ml_dash_ros.tracks.ingest._generated import make_fill, make_fill_rows
from ml_dash_ros.tracks.ingest.values import TextList, is_text_list, texts_ok

_INF = float("inf")
_INT64_MIN, _INT64_MAX = -(2 ** 63), 2 ** 63 - 1
_MAX_OFFSET = 2 ** 31 - 1  # values per list chunk (int32 offsets)
_PY_SCALARS = (str, bytes, bool)


_STR_ONLY = {str}


class Misfit(Exception):
    """A row that does not fit an ArrayPart; the caller takes the general path."""


def _number_kind(value: Any) -> Optional[str]:
    """Return the array typecode of a float or an int64 int, else None."""
    kind = type(value)
    if kind is float:
        return "d"
    if kind is int and _INT64_MIN <= value <= _INT64_MAX:
        return "q"
    return None


def array_spec(fields: dict) -> Optional[tuple]:
    """Return (names, wants, codes) if a normalized row fits an ArrayPart, else None.

    ``wants[i]`` is the exact Python type of a scalar field, or the length k of a list field;
    ``codes[i]`` is the array typecode ("d", "q") or "" for a Python list (str, bytes, bool).
    """
    wants, codes = [], []
    for value in fields.values():
        kind = type(value)
        if kind in _PY_SCALARS:
            wants.append(kind)
            codes.append("")
        elif kind is list or kind is tuple:
            if not value:
                return None
            if set(map(type, value)) == _STR_ONLY:
                wants.append(TextList(len(value)))
                codes.append("")
                continue
            code = _number_kind(value[0])
            if code is None or any(_number_kind(item) != code for item in value):
                return None
            wants.append(len(value))
            codes.append(code)
        else:
            code = _number_kind(value)
            if code is None:
                return None
            wants.append(kind)
            codes.append(code)
    return tuple(fields), tuple(wants), tuple(codes)


class ArrayPart:
    """Rows with one fixed set of fields, numbers kept in C arrays (see the module doc)."""

    __slots__ = ("stamps", "last", "names", "wants", "codes", "cols", "adders", "sizes", "fill")

    def __init__(self, names: Optional[tuple] = None, wants: tuple = (),
                 codes: tuple = (), appendable: bool = True) -> None:
        """Start empty; with no names the part is a placeholder the next row replaces.

        A part filled once by a batch is not ``appendable``: it needs no ``fill`` function.
        """
        self.stamps = array("d")
        self.last = -_INF  # largest _ts so far; the append fast path needs _ts > last
        self.names = names
        self.wants = wants
        self.codes = codes
        self.cols = [array(code) if code else [] for code in codes]
        self.adders = tuple(
            col.fromlist if type(want) is int else col.append
            for col, want in zip(self.cols, wants))
        self.sizes = tuple(want if type(want) is int else 1 for want in wants)
        self.fill = make_fill(wants, self.adders) if names and appendable else _no_fill

    def __len__(self) -> int:
        """Return the number of rows."""
        return len(self.stamps)

    def rollback(self) -> None:
        """Drop values of a row that failed half-way (columns longer than the row count)."""
        n = len(self.stamps)
        for col, size in zip(self.cols, self.sizes):
            del col[n * size:]

    def add_row(self, ts: float, fields: dict) -> bool:
        """Add one normalized row if it fits (new largest `_ts`, same fields); else False."""
        if not ts > self.last or tuple(fields) != self.names:
            return False
        try:
            for add, want, value in zip(self.adders, self.wants, fields.values()):
                if type(want) is TextList:   # a normalized row holds tuples
                    if type(value) not in (list, tuple) or not is_text_list(list(value), want):
                        raise Misfit
                    add(list(value))
                elif type(value) is want:
                    add(value)
                elif type(value) in (list, tuple) and len(value) == want:
                    add(list(value))
                else:
                    raise Misfit
        except Exception:  # TypeError, OverflowError, Misfit: the row goes elsewhere
            self.rollback()
            return False
        except BaseException:  # KeyboardInterrupt between two columns: undo, raise
            self.rollback()
            raise
        self.last = ts
        self.stamps.append(ts)
        return True

    def to_table(self) -> pa.Table:
        """Return the rows as a table (sorted by ``_ts`` unless filled by append_batch)."""
        n = len(self.stamps)
        arrays = [pa.array(np.frombuffer(self.stamps, dtype=np.float64))]
        fields = [pa.field(schema.TS, pa.float64(), nullable=False)]
        for name, col, want, code in zip(self.names or (), self.cols, self.wants, self.codes):
            meta = None
            if not code:
                arr, is_json = build_column(col)
                meta = schema.JSON_META if is_json else None
            elif type(want) is int:
                arr = _list_column(np.frombuffer(col, dtype=_DTYPES[code]), n, want)
            else:
                arr = pa.array(np.frombuffer(col, dtype=_DTYPES[code]))
            arrays.append(arr)
            fields.append(pa.field(name, arr.type, metadata=meta))
        return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


_DTYPES = {"d": np.float64, "q": np.int64}


def _no_fill(values: Any) -> bool:
    return False


def part_from_rows(rows: list) -> Optional["ArrayPart"]:
    """Fill an ArrayPart from plain dict rows (`_ts` finite, same fields), or return None.

    None sends the caller to the general path, which validates and raises on bad rows.
    """
    first = rows[0]
    if type(first) is not dict or schema.TS not in first:
        return None
    fields = {k: v for k, v in first.items() if k != schema.TS}
    if not all(type(k) is str for k in fields):
        return None
    spec = array_spec(fields)
    if spec is None:
        return None
    part = ArrayPart(*spec, appendable=False)
    try:
        fill_rows = make_fill_rows(part.names, part.wants, part.adders, part.stamps.append,
                                   schema.TS)
        if not fill_rows(rows):
            return None
    except Exception:  # KeyError, TypeError, OverflowError: not plain enough
        return None
    stamps = np.frombuffer(part.stamps, dtype=np.float64)
    if not np.isfinite(stamps).all():
        return None
    part.last = _INF  # filled once; never appended to
    return part


def part_from_tuples(names: tuple, rows: list) -> Optional["ArrayPart"]:
    """Fill an ArrayPart from value tuples in the order of ``names`` (one of them `_ts`).

    The same part ``part_from_rows`` fills from the same rows as dicts, checked and copied a
    column at a time (quicker for the few thousand rows a bag import hands over at once; for
    a million rows, the row-at-a-time fill of ``part_from_rows`` keeps memory access local).
    None when they would not fit (names repeated, rows of another length, a value that does
    not fit): the caller then takes the dict path, which decides exactly as ``append_batch``
    does.
    """
    width = len(names)
    if (not rows or len(set(names)) != width or names.count(schema.TS) != 1
            or not all(type(name) is str for name in names)
            or set(map(len, rows)) != {width}):
        return None
    at = names.index(schema.TS)
    spec = array_spec({n: v for n, v in zip(names, rows[0]) if n != schema.TS})
    if spec is None:
        return None
    columns = list(zip(*rows))
    stamps = columns.pop(at)
    if not _FAST_TS.issuperset(map(type, stamps)):
        return None
    part = ArrayPart(*spec, appendable=False)
    try:
        filled = [_column(values, want, code)
                  for values, want, code in zip(columns, part.wants, part.codes)]
        stamps = np.array(stamps, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):  # an int out of int64, a float in ints
        return None
    if any(col is None for col in filled) or not np.isfinite(stamps).all():
        return None
    part.cols, part.stamps = filled, stamps
    part.last = _INF  # filled once; never appended to
    return part


_FAST_TS = frozenset((float, int))


def _column(values: tuple, want: Any, code: str) -> Any:
    """Return one column as ``fill`` would have built it (C numbers or a list), or None.

    Numbers become numpy arrays, which ``to_table`` reads like the C arrays of appended rows.
    """
    if type(want) is TextList:        # lists of k str
        if (set(map(type, values)) != {list} or set(map(len, values)) != {want}
                or set(map(type, chain.from_iterable(values))) != _STR_ONLY
                or not texts_ok(chain.from_iterable(values))):
            return None
        return list(values)
    if type(want) is int:             # lists of k numbers: fromlist, as ``fill`` adds them
        if set(map(type, values)) != {list} or set(map(len, values)) != {want}:
            return None
        col = array(code)
        add = col.fromlist
        for value in values:
            add(value)
        return col
    if set(map(type, values)) != {want} or (want is str and not texts_ok(values)):
        return None  # not scalars of exactly one type, or text that is not UTF-8
    return np.array(values, dtype=_DTYPES[code]) if code else list(values)


def _list_column(flat: np.ndarray, n: int, k: int) -> Any:
    """Return n fixed-length lists of k values as a list<...> array (chunked if huge)."""
    step = max(1, _MAX_OFFSET // k)
    chunks = []
    for start in range(0, n, step):
        rows = min(step, n - start)
        offsets = pa.array(np.arange(0, (rows + 1) * k, k, dtype=np.int32))
        chunks.append(pa.ListArray.from_arrays(offsets,
                                               pa.array(flat[start * k:(start + rows) * k])))
    if len(chunks) == 1:
        return chunks[0]
    return pa.chunked_array(chunks, type=pa.list_(pa.from_numpy_dtype(flat.dtype)))

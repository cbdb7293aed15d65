"""``ColumnPart``: buffered rows of any shape (the general path of the merge buffer).

Sparse fields, repeated or out-of-order ``_ts``, None, nested or ragged lists: ``_ts`` -> row
index plus one growing Python list per field; an append at a ``_ts`` already in the part
fills or overwrites that row (later non-None fields win).
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pyarrow as pa

from ml_dash_ros.tracks.ingest.column_build import build_column
from ml_dash_ros.tracks.store import schema

_INF = float("inf")


class ColumnPart:
    """Rows with unique ``_ts`` in arrival order, stored as one Python list per field."""

    __slots__ = ("stamps", "cols", "names", "dense")

    last = _INF  # never takes the ArrayPart fast path

    def __init__(self) -> None:
        """Start empty; ``stamps`` maps ``_ts`` -> row number, in arrival order."""
        self.stamps: dict = {}
        self.cols: dict = {}
        self.names: Optional[tuple] = None  # the first row always takes the slow path
        self.dense: list = []

    def __len__(self) -> int:
        """Return the number of distinct ``_ts``."""
        return len(self.stamps)

    def put_row(self, ts: float, fields: dict) -> None:
        """Add or merge one validated row; None values mean "not set"."""
        if ts not in self.stamps and tuple(fields) == self.names:
            # Common case: same fields as every row so far.
            n = len(self.stamps)
            try:
                for col, value in zip(self.dense, fields.values()):
                    col.append(value)
            except BaseException:  # KeyboardInterrupt between two columns: undo, raise
                for col in self.dense:
                    del col[n:]
                raise
            self.stamps[ts] = n
            return
        i = self.stamps.get(ts)
        if i is None:
            i = self.stamps[ts] = len(self.stamps)
        cols = self.cols
        for name, value in fields.items():
            col = cols.get(name)
            if col is None:
                col = cols[name] = []
            filled = len(col)
            if filled > i:
                if value is not None:
                    col[i] = value
            else:
                if filled < i:
                    col.extend([None] * (i - filled))
                col.append(value)
        n = len(self.stamps)
        if len(fields) == len(cols) and all(len(c) == n for c in cols.values()):
            self.names = tuple(fields)
            self.dense = [cols[name] for name in self.names]
        else:
            self.names = None

    def to_table(self) -> pa.Table:
        """Return the rows as a table sorted by ``_ts``."""
        n = len(self.stamps)
        stamps = np.fromiter(self.stamps, dtype=np.float64, count=n)
        arrays = [pa.array(stamps, type=pa.float64())]
        fields = [pa.field(schema.TS, pa.float64(), nullable=False)]
        for name, col in self.cols.items():
            if len(col) < n:
                col = col + [None] * (n - len(col))
            arr, is_json = build_column(col)
            arrays.append(arr)
            fields.append(pa.field(name, arr.type,
                                   metadata=schema.JSON_META if is_json else None))
        table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
        if n > 1 and not (stamps[1:] > stamps[:-1]).all():
            table = table.take(pa.array(np.argsort(stamps, kind="stable")))
        return table

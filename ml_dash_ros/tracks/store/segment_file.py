"""How one segment file is laid out, and writing one through the storage.

Files are written with zstd, BYTE_STREAM_SPLIT for doubles, ``ROW_GROUP_ROWS`` = 4096 rows
per row group, fewer when rows are large (at most ``ROW_GROUP_BYTES`` decoded per group: a
time-window read decodes whole row groups), and min/max statistics for `_ts` only (the column
reads prune by; other columns' statistics only grew the footers every read parses).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from ml_dash_ros.errors import StoreError
from ml_dash_ros.tracks.store import layout, schema
from ml_dash_ros.tracks.store.contract import with_format
from ml_dash_ros.tracks.store.storage import storage_of

ROW_GROUP_ROWS = 4096
COMPRESSION = "zstd"
COMPRESSION_LEVEL = 3
ROW_GROUP_BYTES = 8 << 20            # decoded bytes per row group at most (large rows)


def write_options(table_schema: pa.Schema) -> dict:
    """Return pq.ParquetWriter options: zstd, BYTE_STREAM_SPLIT for doubles, dict otherwise."""
    split, dictionary = [], []
    for field in table_schema:
        paths, is_double = _leaf_paths(field.name, field.type)
        (split if is_double else dictionary).extend(paths)
    return dict(
        compression=COMPRESSION, compression_level=COMPRESSION_LEVEL,
        use_byte_stream_split=split or False, use_dictionary=dictionary or False,
        write_statistics=[schema.TS],  # the reader prunes by `_ts` only; smaller footers
    )


def _leaf_paths(name: str, t: pa.DataType) -> tuple[list, bool]:
    """Return the Parquet column paths of a field and whether its leaves are doubles."""
    path = name
    while pa.types.is_list(t):
        path += ".list.element"
        t = t.value_type
    return [path], t == pa.float64()


def group_rows(table: pa.Table) -> int:
    """Return the rows per row group for ``table``: ROW_GROUP_ROWS, fewer for large rows.

    A row group holds at most about ``ROW_GROUP_BYTES`` of decoded data, so reading one row
    (one camera frame) decodes a bounded number of bytes whatever the row size.
    """
    if table.num_rows == 0:
        return ROW_GROUP_ROWS
    per_row = max(1, table.nbytes // table.num_rows)
    return max(1, min(ROW_GROUP_ROWS, ROW_GROUP_BYTES // per_row))


def write_segment(directory: Path, seq: int, table: pa.Table, *, compacted: bool = False) -> Path:
    """Write one sorted table as an immutable segment; atomic under crashes."""
    return rewrite_segment(directory / layout.segment_name(seq, compacted), table)


def rewrite_segment(final: Path, table: pa.Table) -> Path:
    """Seal a sorted table under a segment's own name (what salvage keeps)."""
    def write(tmp: Path) -> None:
        with pq.ParquetWriter(tmp, with_format(table.schema),
                              **write_options(table.schema)) as writer:
            writer.write_table(table, row_group_size=group_rows(table))
    try:
        return storage_of(final.parent).seal(final, write, "segment")
    except StoreError as err:
        raise StoreError(f"{err}; rows stay buffered") from err.__cause__


def seal_tables(final: Path, target: pa.Schema, tables: Iterable[pa.Table]) -> Path:
    """Seal a stream of sorted tables (a merge's output) as one file of whole row groups."""
    def write(tmp: Path) -> None:
        with pq.ParquetWriter(tmp, with_format(target), **write_options(target)) as writer:
            _write_rechunked(writer, tables)
    return storage_of(final.parent).seal(final, write, "merged segment")


def _write_rechunked(writer: pq.ParquetWriter, tables: Iterable[pa.Table]) -> None:
    """Write tables as row groups of ``group_rows`` rows each (the last may be shorter)."""
    pending: list = []
    rows = 0
    size = ROW_GROUP_ROWS
    for table in tables:
        pending.append(table)
        rows += table.num_rows
        size = group_rows(table) if table.num_rows else size
        if rows >= size:
            whole = pa.concat_tables(pending)
            full = rows - rows % size
            writer.write_table(whole.slice(0, full), row_group_size=size)
            pending, rows = [whole.slice(full)], rows - full
    if rows:
        writer.write_table(pa.concat_tables(pending), row_group_size=size)

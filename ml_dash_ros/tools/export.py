"""Tracks out of the store: one track as json / jsonl / csv / parquet bytes, or every track of
an experiment as files (``read`` and ``export``).

CSV comes from ``pyarrow.csv``; columns CSV cannot hold (lists, binary, nested) are written as
JSON text (bytes as ``{"$bytes": base64}``, the store's own JSON rule). Exported files are
named after the track: ``tf/tool0`` -> ``DIR/tf/tool0.parquet`` (a name with an empty, ``.``
or ``..`` component uses the store's percent-encoding instead).
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path
from typing import Optional, Sequence, Union

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ml_dash_ros.errors import PartialExportError, StoreError
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.tracks.store import formats, layout, schema
from ml_dash_ros.tools import catalog as store
from ml_dash_ros.tracks.store.contract import SIDE_FILES

READ_FORMATS = ("json", "jsonl", "csv", "parquet")
EXPORT_FORMATS = ("parquet", "csv")


def render_track(exp: Experiment, track: str, fmt: str = "json", start: Optional[float] = None,
                 end: Optional[float] = None, *,
                 columns: Optional[Sequence[str]] = None) -> bytes:
    """Return a track's rows in [start, end] as json, jsonl, csv or parquet bytes."""
    if fmt not in READ_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(READ_FORMATS)}")
    if fmt == "csv":
        return table_to_csv(store.read_track(exp, track, start, end, columns=columns))
    directory = store.require_track(exp, track)
    names = store.resolve_columns(exp, track, columns)
    with store.guarded(directory, f"track {track!r}"):
        data = exp.tracks(track).read(start, end, columns=names, format=fmt)
    if fmt == "json":
        return (formats.dumps(data) + "\n").encode()
    return data


def table_to_csv(table: pa.Table) -> bytes:
    """Return a table as CSV bytes; list, binary and nested columns become JSON text."""
    arrays = [_csv_column(table.column(name)) for name in table.column_names]
    plain = pa.Table.from_arrays(arrays, names=table.column_names)
    sink = io.BytesIO()
    pacsv.write_csv(plain, sink)
    return sink.getvalue()


def _csv_column(column: pa.ChunkedArray) -> pa.Array:
    t = column.type
    if pa.types.is_nested(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return schema.to_json_text(column.to_pylist())
    return column.combine_chunks()


def track_file(track: str, suffix: str) -> Path:
    """Return the relative file path a track is exported to."""
    parts = track.split("/")
    if any(p in ("", ".", "..") for p in parts) or "\0" in track or "\\" in track:
        return Path(layout.encode_topic(track) + suffix)
    return Path(*parts[:-1], parts[-1] + suffix)


def export_experiment(prefix: str, out: Union[str, os.PathLike], *,
                      dash_root: Union[str, os.PathLike, None] = None, fmt: str = "parquet",
                      tracks: Optional[Sequence[str]] = None) -> list:
    """Write every track (or the listed ones) of an experiment to ``out``; return the files.

    A track that cannot be read is skipped and the others are written; PartialExportError
    then names each skipped track and its file, and carries the files written.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    exp = store.open_experiment(prefix, dash_root=dash_root)
    out = Path(out).expanduser()
    source = exp.path.resolve()
    target = out.resolve()
    if target == source or source in target.parents:
        raise ValueError(f"export: {out} is inside the recording {exp.path}; choose a directory "
                         "outside it")
    names = store.track_names(exp) if tracks is None else list(tracks)
    for name in names:
        store.require_track(exp, name)
    written, skipped = [], []
    for name in names:
        try:
            table = store.read_track(exp, name)
        except StoreError as err:
            skipped.append(f"track {name!r}: {err}")
            continue
        path = out / track_file(name, "." + fmt)
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "parquet":
            pq.write_table(table, path, compression="zstd")
        else:
            path.write_bytes(table_to_csv(table))
        written.append(path)
    for side in SIDE_FILES:
        if (exp.path / side).is_file():
            shutil.copyfile(exp.path / side, out / side)
            written.append(out / side)
    if skipped:
        raise PartialExportError(f"export of {prefix!r} skipped {len(skipped)} unreadable "
                                 f"track(s), wrote the rest to {out}: " + "; ".join(skipped),
                                 written, skipped)
    return written

"""Plot track columns against time with matplotlib (Agg; pyplot's global state untouched).

One subplot per column, sharing the time axis (seconds since the first plotted sample); a list
column (``q``, ``translation``) draws one line per element; nulls leave gaps.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
import pyarrow as pa

from ml_dash_ros.errors import NotFoundError
from ml_dash_ros.tracks import Experiment
from ml_dash_ros.tracks.store import schema
from ml_dash_ros.tools import catalog as store

MAX_LEGEND = 12


def plot_track(exp: Experiment, track: str, columns: Sequence[str],
               out: Union[str, os.PathLike], start: Optional[float] = None,
               end: Optional[float] = None, *, dpi: int = 100) -> Path:
    """Draw the columns of a track in [start, end] into an image file; return its path."""
    if isinstance(columns, str):
        columns = [columns]
    if not columns:
        raise ValueError("plot: name at least one column")
    names = store.resolve_columns(exp, track, columns)
    table = store.read_track(exp, track, start, end, columns=names)
    if table.num_rows == 0:
        raise NotFoundError(f"track {track!r} of {exp.prefix!r} has no rows between "
                            f"{_bound(start, 'the start')} and {_bound(end, 'the end')}")
    series = {name: numeric_matrix(table.column(name), name, track) for name in names}
    stamps = table.column(schema.TS).to_numpy()
    return _draw(exp.prefix, track, stamps, series, Path(out), dpi)


def numeric_matrix(column: pa.ChunkedArray, name: str = "", track: str = "") -> np.ndarray:
    """Return a column as a rows x k float array (NaN for nulls); lists padded with NaN."""
    arr = column.combine_chunks()
    t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        return arr.cast(pa.float64()).to_numpy(zero_copy_only=False).reshape(-1, 1)
    if pa.types.is_fixed_size_list(t):
        arr = arr.cast(pa.list_(t.value_type))
        t = arr.type
    if pa.types.is_list(t) and (pa.types.is_integer(t.value_type)
                                or pa.types.is_floating(t.value_type)
                                or pa.types.is_boolean(t.value_type)):
        offsets = arr.offsets.to_numpy()
        lengths = np.diff(offsets)
        width = int(lengths.max()) if len(lengths) else 0
        matrix = np.full((len(arr), max(width, 1)), np.nan)
        if width:
            values = arr.values.cast(pa.float64()).to_numpy(zero_copy_only=False)
            rows = np.repeat(np.arange(len(arr)), lengths)
            cols = np.arange(lengths.sum()) - np.repeat(offsets[:-1] - offsets[0], lengths)
            matrix[rows, cols] = values[offsets[0]:offsets[-1]]
        return matrix
    raise ValueError(f"plot: column {name!r} of track {track!r} is {t}, not numeric; "
                     "plot numbers or lists of numbers")


def _draw(prefix: str, track: str, stamps: np.ndarray, series: dict, out: Path,
          dpi: int) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 1.0 + 2.2 * len(series)), layout="constrained")
    axes = fig.subplots(len(series), 1, sharex=True, squeeze=False)[:, 0]
    x = stamps - stamps[0]
    for ax, (name, matrix) in zip(axes, series.items()):
        width = matrix.shape[1]
        labels = [name] if width == 1 else [f"{name}[{i}]" for i in range(width)]
        for i in range(width):
            ax.plot(x, matrix[:, i], linewidth=1.0, label=labels[i])
        ax.set_ylabel(name)
        ax.grid(True, alpha=0.3)
        if 1 < width <= MAX_LEGEND:
            ax.legend(loc="upper right", fontsize="small", ncols=min(width, 7))
    axes[-1].set_xlabel(f"time [s] since _ts = {stamps[0]:.6f}")
    fig.suptitle(f"{prefix}: {track}")
    fig.savefig(out, dpi=dpi)
    return out


def _bound(value: Optional[float], default: str) -> str:
    return default if value is None else f"{value:g}"

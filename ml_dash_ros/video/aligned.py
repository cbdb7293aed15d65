"""A camera's decoded frames beside an aligned table: one image per row, as a tensor column.

``align`` gives a camera track's ``{track}/frame_index`` at each tick (as the method says);
``with_frames`` adds ``{track}/image``, the frame of that index, as a fixed-shape tensor
column (``arrow.fixed_shape_tensor``): ``column.combine_chunks().to_numpy_ndarray()`` is an
``(N, H, W[, C])`` array ready for a model, and the table still writes to Parquet.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from ml_dash_ros.errors import ColumnNotFoundError
from ml_dash_ros.tracks.api.align import SEPARATOR
from ml_dash_ros.video.frames import Frames

IMAGE = "image"         # the column added: {track}/image


def with_frames(table: pa.Table, experiment: Any, track: str) -> pa.Table:
    """Return ``table`` with ``{track}/image`` after ``{track}/frame_index``.

    Row i holds the frame whose ``frame_index`` is row i's; a null index gives a null image.
    Every frame must have one shape and dtype (a camera that changed resolution: align each
    part separately, or read frames with ``Frames``).
    """
    source = f"{track}{SEPARATOR}frame_index"
    if source not in table.column_names:
        raise ColumnNotFoundError(
            f"with_frames: the table has no column {source!r}; align the camera track "
            f"{track!r} with the others (tracks=[..., {track!r}])")
    indices = table.column(source).to_pylist()
    wanted = sorted({i for i in indices if i is not None})
    images = {i: np.asarray(f.image) for i, f in
              zip(wanted, Frames(experiment, track).by_index(wanted))}
    column = _tensor(indices, images, track)
    return table.add_column(table.column_names.index(source) + 1,
                            f"{track}{SEPARATOR}{IMAGE}", column)


def _tensor(indices: list, images: dict, track: str) -> pa.Array:
    """Return one fixed-shape tensor per row (null where the index is null)."""
    kinds = {(image.shape, image.dtype.str) for image in images.values()}
    if len(kinds) > 1:
        shown = ", ".join(f"{shape} {dtype}" for shape, dtype in sorted(kinds))
        raise ValueError(f"with_frames: the frames of {track!r} in this table differ in "
                         f"shape or type ({shown}); narrow start/end to one of them")
    if not kinds:
        return pa.nulls(len(indices))
    shape, dtype = next(iter(kinds))
    blank = np.zeros(shape, dtype=dtype)
    stacked = np.stack([blank if i is None else images[i] for i in indices])
    size = int(np.prod(shape))
    flat = pa.array(stacked.reshape(-1))
    mask = pa.array([i is None for i in indices])
    storage = pa.FixedSizeListArray.from_arrays(flat, size, mask=mask)
    kind = pa.fixed_shape_tensor(flat.type, list(shape))
    return pa.ExtensionArray.from_storage(kind, storage)

"""Salvaging a damaged merged segment keeps the segments beside it live."""

import numpy as np
import pyarrow.parquet as pq

from ml_dash_ros import Experiment
from ml_dash_ros.tools.check import check_experiment
from ml_dash_ros.tracks.store import layout, segments


def _garble_row_group(path, group):
    column = pq.ParquetFile(path).metadata.row_group(group).column(1)
    data = bytearray(path.read_bytes())
    for i in range(column.data_page_offset + 8,
                   column.data_page_offset + column.total_compressed_size - 8):
        data[i] = 0x5A
    path.write_bytes(bytes(data))


def _record_with_a_tail_merge(dash_root):
    """Write segments 1, 2, 3 and merge 2..3 into seg-2-3-c; return the merged file."""
    with Experiment("p", dash_root=dash_root).run as exp:
        b = exp.tracks("robot")
        for lo, hi in [(0, 100), (100, 10_100), (10_100, 10_110)]:
            ts = np.arange(lo, hi, dtype=np.float64)
            b.append_batch({"_ts": ts, "v": ts})
            b.flush()
        live = layout.live_segments(layout.scan_segments(b.path))
        return segments.merge(b.path, live[1:], first_live=False)


def test_salvage_of_a_merged_range_keeps_the_older_segments(tmp_path):
    merged = _record_with_a_tail_merge(tmp_path)
    _garble_row_group(merged, 1)
    check_experiment("p", dash_root=tmp_path, salvage=True)
    stamps = Experiment("p", dash_root=tmp_path).tracks("robot").read(format="numpy")["_ts"]
    assert stamps[:100].tolist() == list(range(100))

"""Large rows (camera frames as bytes): row groups sized by bytes, bounded reads and merges."""

import numpy as np
import pyarrow.parquet as pq

from ml_dash_ros import Experiment
from ml_dash_ros.tracks.store import layout, reader, row_merge, schema, segment_file

FRAME = 640 * 480 * 3          # one rgb8 frame, 921,600 bytes


def _frames(builder, stamps):
    for ts in stamps:
        builder.append(data=bytes([int(ts) % 256]) * FRAME, width=640, _ts=float(ts))


def _row_group_bytes(directory):
    out = []
    for seg in layout.scan_segments(directory):
        md = pq.ParquetFile(seg.path).metadata
        out += [md.row_group(i).total_byte_size for i in range(md.num_row_groups)]
    return out


def test_a_segment_of_large_rows_has_row_groups_of_bounded_size(tmp_path):
    with Experiment("cam", dash_root=tmp_path, flush_interval=60).run as exp:
        _frames(exp.tracks("camera"), range(60))
    sizes = _row_group_bytes(exp.tracks("camera").path)
    assert len(sizes) > 1
    assert max(sizes) <= segment_file.ROW_GROUP_BYTES + FRAME


def test_reading_one_frame_decodes_one_row_group(tmp_path):
    with Experiment("cam", dash_root=tmp_path, flush_interval=60).run as exp:
        _frames(exp.tracks("camera"), range(60))
    reader.read_stats.reset()
    rows = exp.tracks("camera").read(30.0, 30.0, format="arrow")
    assert rows.column("data")[0].as_py()[:1] == bytes([30])
    assert reader.read_stats.row_groups_read == 1


def test_overlapping_segments_of_large_rows_compact_row_group_by_row_group(tmp_path):
    with Experiment("cam", dash_root=tmp_path, flush_interval=60).run as exp:
        builder = exp.tracks("camera")
        for start in range(0, 40, 10):           # each flush re-sends the previous one's last
            _frames(builder, range(max(0, start - 1), start + 10))
            builder.flush()
    found = layout.scan_segments(exp.tracks("camera").path)
    assert [seg.compacted for seg in found] == [True]
    assert max(_row_group_bytes(exp.tracks("camera").path)) <= segment_file.ROW_GROUP_BYTES + FRAME
    stamps = exp.tracks("camera").read(format="numpy")["_ts"]
    assert np.array_equal(stamps, np.arange(40, dtype=float))


def test_merging_overlapping_files_yields_small_pieces(tmp_path):
    exp = Experiment("cam", dash_root=tmp_path, flush_interval=60).open()
    builder = exp.tracks("camera")
    for start in range(0, 40, 10):
        _frames(builder, range(max(0, start - 1), start + 10))
        builder.flush()
    infos = [reader.file_info(s.path) for s in layout.scan_segments(builder.path)]
    _, kinds = schema.unified_schema([i.schema for i in infos])
    pieces = list(row_merge.iter_merged(infos, kinds))
    exp.close()
    assert max(p.num_rows for p in pieces) <= 2 * segment_file.group_rows(pieces[0])
    assert sum(p.num_rows for p in pieces) == 40

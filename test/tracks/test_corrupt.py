"""A corrupt segment stays in its track: reads name the file, close compacts everything else."""

import json
import logging

import pyarrow.parquet as pq
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import CorruptFileError
from ml_dash_ros.tracks.store import layout

from test.helpers import truncate


def segments_of(dash_root, topic, prefix="p"):
    directory = layout.topic_dir(dash_root / prefix / "tracks", topic)
    return [s.path for s in layout.live_segments(layout.scan_segments(directory))]


def empty(path):
    path.write_bytes(b"")


def garble_pages(path):
    """Overwrite the middle of the first column chunk, keeping the footer intact."""
    column = pq.ParquetFile(path).metadata.row_group(0).column(1)
    start = column.data_page_offset
    data = bytearray(path.read_bytes())
    for i in range(start + 8, start + column.total_compressed_size - 8):
        data[i] = 0x5A
    path.write_bytes(bytes(data))


DAMAGE = {"truncated": truncate, "zero-byte": empty, "garbled pages": garble_pages}


def record_two_tracks(dash_root):
    with Experiment("p", dash_root=dash_root).run as exp:
        for k in range(200):
            exp.tracks("robot").append(q=[k * 0.1] * 7, _ts=k * 0.01)
            exp.tracks("imu").append(acc=k * 1.0, _ts=k * 0.01)


@pytest.mark.parametrize("damage", DAMAGE)
def test_reading_a_damaged_segment_names_the_file(dash_root, damage):
    record_two_tracks(dash_root)
    (segment,) = segments_of(dash_root, "robot")
    DAMAGE[damage](segment)
    with pytest.raises(CorruptFileError, match=segment.name):
        Experiment("p", dash_root=dash_root).tracks("robot").read()


def test_the_other_tracks_still_read(dash_root):
    record_two_tracks(dash_root)
    truncate(segments_of(dash_root, "robot")[0])
    assert Experiment("p", dash_root=dash_root).tracks("imu").read()["count"] == 200


def test_tracks_list_marks_the_damaged_track_and_lists_the_others(dash_root):
    record_two_tracks(dash_root)
    (segment,) = segments_of(dash_root, "robot")
    truncate(segment)
    listed = {row["topic"]: row for row in Experiment("p", dash_root=dash_root).tracks.list()}
    assert listed["imu"]["count"] == 200
    assert segment.name in listed["robot"]["error"]


def continue_with_a_damaged_track(dash_root):
    """Record, damage robot's file, then write more robot and imu rows in several flushes."""
    record_two_tracks(dash_root)
    truncate(segments_of(dash_root, "robot")[0])
    exp = Experiment("p", dash_root=dash_root).open()
    for k in range(3):
        exp.tracks("robot").append(q=[0.0] * 7, _ts=10.0 + k)
        exp.tracks("imu").append(acc=1.0, _ts=10.0 + k)
        exp.tracks.flush()
    return exp


def test_close_completes_with_a_damaged_track(dash_root):
    continue_with_a_damaged_track(dash_root).close()
    status = json.loads((dash_root / "p" / "experiment.json").read_text())["status"]
    assert status == "completed"


def test_close_compacts_the_other_tracks(dash_root):
    continue_with_a_damaged_track(dash_root).close()
    assert len(segments_of(dash_root, "imu")) == 1


def test_close_leaves_the_damaged_track_uncompacted(dash_root):
    exp = continue_with_a_damaged_track(dash_root)
    before = segments_of(dash_root, "robot")
    exp.close()
    assert segments_of(dash_root, "robot") == before


def test_close_warns_naming_the_damaged_file(dash_root, caplog):
    exp = continue_with_a_damaged_track(dash_root)
    damaged = segments_of(dash_root, "robot")[0]
    with caplog.at_level(logging.WARNING, logger="ml_dash_ros"):
        exp.close()
    assert damaged.name in caplog.text


@pytest.mark.parametrize("garbage", [b"\xff\xfe\x00", b"{status: running"])
def test_a_garbled_status_file_is_named(dash_root, garbage):
    record_two_tracks(dash_root)
    (dash_root / "p" / "experiment.json").write_bytes(garbage)
    with pytest.raises(CorruptFileError, match="experiment.json"):
        Experiment("p", dash_root=dash_root).status()

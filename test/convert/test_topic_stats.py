"""The per-topic stats record: the dropped rule, the recorder.json row, the one writer."""

import json

import pytest

from ml_dash_ros.convert.topic_stats import TopicStats, write_recorder_json
from ml_dash_ros.errors import StoreError


def stats(**changes):
    base = dict(type="sensor_msgs/msg/Imu", qos="sensor_data", qos_incompatible=0,
                subscribed=True, received=10, entries=10, paused=0, append_errors=0,
                written=10, buffered=0, rate=100.0, tracks=("imu",))
    return TopicStats(**{**base, **changes})


@pytest.mark.parametrize("changes, dropped", [
    ({}, 0),
    ({"append_errors": 2}, 2),
    ({"buffer_full": 3}, 3),
    ({"undecodable": 4}, 4),
    ({"problems": (("no_stamp", 1), ("errors", 2), ("missing_key", 3))}, 6),
    ({"problems": (("unchanged", 5), ("stamp_fallback", 7), ("static_stamp", 1))}, 0),
    # camera frames the video did not keep: refused (queue full), invalid, in a segment that
    # could not be written, stragglers of an episode already closed
    ({"problems": (("video_frames", 9), ("video_refused", 1), ("video_invalid", 2),
                   ("video_errors", 4), ("video_late", 8), ("video_segments", 3))}, 15),
])
def test_dropped_counts_refused_undecodable_and_unwritten_entries(changes, dropped):
    assert stats(**changes).dropped == dropped


def test_row_leaves_out_counts_the_source_does_not_keep():
    row = stats(undecodable=0).as_dict()
    assert not {"lost", "buffer_full", "stamp_gaps", "first_error", "skipped"} & set(row)


def test_row_keeps_the_live_node_order_with_problems_after_the_tracks():
    row = stats(to_previous_episode=0, buffer_full=1, lost="not supported", stamp_gaps=0,
                stamp_gap_missing=0, problems=(("no_stamp", 2),), first_error="no_stamp: x",
                store_error="disk full").as_dict()
    assert list(row) == [
        "type", "qos", "qos_incompatible", "subscribed", "received", "entries", "paused",
        "append_errors", "to_previous_episode", "buffer_full", "lost", "stamp_gaps",
        "stamp_gap_missing", "written", "buffered", "dropped", "rate", "tracks", "no_stamp",
        "first_error", "store_error"]


def test_row_gives_dropped_and_tracks_as_json_values():
    row = stats(buffer_full=1, problems=(("errors", 2),)).as_dict()
    assert json.loads(json.dumps(row))["dropped"] == 3
    assert row["tracks"] == ["imu"]


def test_recorder_json_is_written_with_sorted_keys(tmp_path):
    write_recorder_json(tmp_path, {"topics": {"/imu": stats().as_dict()}, "node": "/rec"})
    text = (tmp_path / "recorder.json").read_text()
    assert list(json.loads(text)) == ["node", "topics"]
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True)


def test_recorder_json_that_cannot_be_written_raises_a_store_error_naming_it(tmp_path):
    with pytest.raises(StoreError, match=r"gone/recorder\.json: .*ENOENT"):
        write_recorder_json(tmp_path / "gone", {"topics": {}})

"""Segment names of merges: which inputs a merged file covers, old names still readable."""

import pytest

from ml_dash_ros.tracks.store import layout


def _touch(directory, *names):
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / name).write_bytes(b"")


def _live(directory):
    return [s.path.name for s in layout.live_segments(layout.scan_segments(directory))]


def test_a_range_name_gives_its_first_and_last_numbers():
    name = layout.segment_name(9, True, first=4)
    assert name == "seg-000000000004-000000000009-c.parquet"


def test_a_range_name_parses_back(tmp_path):
    _touch(tmp_path, layout.segment_name(9, True, first=4))
    (seg,) = layout.scan_segments(tmp_path)
    assert (seg.low, seg.seq, seg.compacted) == (4, 9, True)


def test_an_old_compacted_name_covers_everything_up_to_its_number(tmp_path):
    _touch(tmp_path, "seg-000000000005-c.parquet")
    (seg,) = layout.scan_segments(tmp_path)
    assert (seg.low, seg.seq) == (0, 5)


def test_a_range_file_hides_exactly_the_inputs_it_covers(tmp_path):
    _touch(tmp_path, *(layout.segment_name(n) for n in range(1, 8)),
           layout.segment_name(6, True, first=3))
    assert _live(tmp_path) == ["seg-000000000001.parquet", "seg-000000000002.parquet",
                               "seg-000000000003-000000000006-c.parquet",
                               "seg-000000000007.parquet"]


def test_a_prefix_merge_hides_older_range_files(tmp_path):
    _touch(tmp_path, "seg-000000000002-c.parquet", layout.segment_name(6, True, first=3),
           "seg-000000000007.parquet", "seg-000000000007-c.parquet",
           "seg-000000000008.parquet")
    assert _live(tmp_path) == ["seg-000000000007-c.parquet", "seg-000000000008.parquet"]


def test_a_nested_range_merge_hides_the_smaller_range(tmp_path):
    _touch(tmp_path, "seg-000000000001-c.parquet", layout.segment_name(5, True, first=2),
           layout.segment_name(9, True, first=2), "seg-000000000010.parquet")
    assert _live(tmp_path) == ["seg-000000000001-c.parquet",
                               "seg-000000000002-000000000009-c.parquet",
                               "seg-000000000010.parquet"]


def test_old_recordings_keep_their_live_segments(tmp_path):
    _touch(tmp_path, "seg-000000000001.parquet", "seg-000000000002.parquet",
           "seg-000000000002-c.parquet", "seg-000000000003.parquet")
    assert _live(tmp_path) == ["seg-000000000002-c.parquet", "seg-000000000003.parquet"]


@pytest.mark.parametrize("name", ["seg-000000000004-000000000002-c.parquet",
                                  "seg-000000000004-000000000009.parquet",
                                  "seg-4.parquet"])
def test_names_this_package_never_writes_are_not_segments(tmp_path, name):
    _touch(tmp_path, name)
    assert layout.scan_segments(tmp_path) == []

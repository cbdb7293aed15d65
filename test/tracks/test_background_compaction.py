"""Tiered compaction while recording, bounded close, and cheap appends to a finished track."""

import os
import time

import numpy as np
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.tracks.store import compaction, layout, reader, segments, storage

from .conftest import run_py


def _flushes(builder, count, rows=50, start=0.0, **extra):
    for k in range(count):
        ts = start + k * rows + np.arange(rows, dtype=np.float64)
        builder.append_batch({"_ts": ts, "v": ts * 2, **extra})
        builder.flush()


def _files(builder):
    return len(list(builder.path.glob("seg-*.parquet")))


def _settled(builder, deadline=60.0):
    """Wait until the background merges leave nothing to merge; return the live files."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        live = compaction.sized_live(builder.path)
        if compaction.plan_background(live) is None and _files(builder) == len(live):
            return live
        time.sleep(0.05)
    raise AssertionError(f"background compaction of {builder.path} did not settle")


def _stored_rows(builder):
    return sum(reader.file_info(s.path).num_rows
               for s in layout.live_segments(layout.scan_segments(builder.path)))


def test_a_track_keeps_a_bounded_number_of_files_while_recording(exp):
    b = exp.tracks("tf/base")
    _flushes(b, 200)
    assert len(_settled(b)) < compaction.FANOUT * 2


def test_background_merges_keep_every_row_once(exp):
    b = exp.tracks("tf/base")
    _flushes(b, 120)
    _settled(b)
    assert _stored_rows(b) == 120 * 50


def test_background_merges_keep_the_values(exp):
    b = exp.tracks("tf/base")
    _flushes(b, 40)
    _settled(b)
    table = b.read(format="arrow")
    assert table.column("v").to_pylist() == (np.arange(40 * 50) * 2.0).tolist()


def test_a_newer_value_at_the_same_stamp_still_wins_after_merges(exp):
    b = exp.tracks("r")
    _flushes(b, 20)
    b.append(v=-1.0, _ts=10.0).flush()
    _flushes(b, 20, start=2000.0)
    _settled(b)
    assert b.find_by_time(10.0)["v"] == -1.0


def test_a_window_read_while_recording_opens_few_files(exp, stats):
    b = exp.tracks("tf/base")
    _flushes(b, 200)
    _settled(b)
    stats.reset()
    assert b.read(start_timestamp=5000.0, end_timestamp=5001.0)["count"] == 2
    assert stats.files_opened <= 2


def test_a_low_rate_track_closes_into_at_most_two_files(dash_root):
    with Experiment("p", dash_root=dash_root).run as exp:
        b = exp.tracks("diagnostics")
        _flushes(b, 60, rows=1)
        _settled(b)
    assert _files(b) <= 2  # two disjoint files of a small track count as compact


def test_close_reports_what_compaction_did(dash_root):
    with Experiment("p", dash_root=dash_root).run as exp:
        _flushes(exp.tracks("r"), 5)
    done = compaction.stats_under(exp.path)
    assert (done.close_merges, done.close_inputs) == (1, 5)


def _finished_big_track(dash_root):
    with Experiment("p", dash_root=dash_root).run as exp:
        b = exp.tracks("robot")
        ts = np.arange(300_000, dtype=np.float64)
        v = np.random.default_rng(0).random(len(ts))  # incompressible: a file past tier 0
        b.append_batch({"_ts": ts, "v": v, "name": ["j0"] * len(ts)})
    return exp.tracks("robot").path


@pytest.mark.parametrize("stamps, fields", [
    ([400_000.0 + k for k in range(10)], {"v": 1.0, "name": "j0"}),   # later, same columns
    ([5.0 + k for k in range(10)], {"v": 1.0}),                        # inside, fewer columns
])
def test_appending_to_a_finished_track_does_not_rewrite_it(dash_root, stamps, fields):
    path = _finished_big_track(dash_root)
    (big,) = path.glob("seg-*.parquet")
    before = os.stat(big)
    with Experiment("p", dash_root=dash_root).run as exp:
        for ts in stamps:
            exp.tracks("robot").append(_ts=ts, **fields)
    after = os.stat(big)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_rows_appended_inside_a_finished_track_read_merged(dash_root):
    _finished_big_track(dash_root)
    with Experiment("p", dash_root=dash_root).run as exp:
        exp.tracks("robot").append(v=-5.0, _ts=5.0)
    row = exp.tracks("robot").find_by_time(5.0)
    assert (row["v"], row["name"], exp.tracks("robot").read(format="arrow").num_rows) == \
        (-5.0, "j0", 300_000)


def test_a_cancelled_merge_changes_nothing(exp):
    b = exp.tracks("r")
    _flushes(b, 3)
    b.flush()
    exp_files = sorted(p.name for p in b.path.iterdir())
    run = layout.live_segments(layout.scan_segments(b.path))
    with pytest.raises(compaction.Cancelled):
        segments.merge(b.path, run, lambda: True, first_live=True)
    assert sorted(p.name for p in b.path.iterdir()) == exp_files


def test_a_crash_between_a_tail_merge_and_its_deletes_reads_back_once(exp, monkeypatch):
    b = exp.tracks("r")
    _flushes(b, 6)
    run = layout.live_segments(layout.scan_segments(b.path))[2:]
    # "crash" before deletes
    monkeypatch.setattr(storage.LocalDisk, "remove", lambda self, paths: None)
    segments.merge(b.path, run, first_live=False)
    monkeypatch.undo()
    assert (_files(b), _stored_rows(b), b.read(format="arrow").num_rows) == (7, 300, 300)


def test_a_recording_closed_at_interpreter_exit_is_compacted(dash_root):
    run_py("""
        import sys
        from ml_dash_ros import Experiment
        exp = Experiment("p", dash_root=sys.argv[1], flush_interval=3600).open()
        for k in range(6):
            exp.tracks("r").append(v=k, _ts=float(k)).flush()
    """, dash_root)
    assert len(list((dash_root / "p" / "tracks" / "topic=r").glob("seg-*"))) == 1

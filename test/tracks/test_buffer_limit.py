"""max_buffer_rows holds over all topics; when_full="drop" refuses at once instead of blocking."""

import os
import time

import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import BufferFullError, StoreError
from test.conftest import fill_disk

LIMIT = 3000


def test_the_limit_holds_over_many_topics(tmp_path):
    exp = Experiment("p", dash_root=tmp_path, max_buffer_rows=LIMIT, batch_size=100_000,
                     flush_interval=60).open()
    most = 0
    for i in range(100):
        for topic in range(60):
            exp.tracks(f"tf/link{topic}").append(x=float(i), _ts=float(i))
            most = max(most, exp.tracks.buffered_rows)
    exp.close()
    assert most <= LIMIT
    assert sum(t["count"] for t in exp.tracks.list()) == 6000


def test_back_pressure_writes_when_the_limit_is_reached_before_the_interval(tmp_path):
    exp = Experiment("p", dash_root=tmp_path, max_buffer_rows=LIMIT, batch_size=100_000,
                     flush_interval=60, block_timeout=30).open()
    for i in range(2 * LIMIT):
        exp.tracks("robot").append(x=float(i), _ts=float(i))
    assert exp.tracks("robot").written_rows >= LIMIT
    exp.close()


def test_drop_refuses_at_once_when_the_store_cannot_write(small_disk):
    exp = Experiment("p", dash_root=small_disk, max_buffer_rows=LIMIT, batch_size=500,
                     flush_interval=0.05, when_full="drop").open()
    filler = fill_disk(small_disk)
    refused, started = 0, time.monotonic()
    for i in range(2 * LIMIT):
        try:
            exp.tracks("robot").append(x=float(i), _ts=float(i))
        except BufferFullError:
            refused += 1
    assert refused >= LIMIT
    assert time.monotonic() - started < 30           # never waited for block_timeout (60 s)
    assert exp.tracks.buffered_rows <= LIMIT
    deadline = time.monotonic() + 30     # the flusher's next attempt fails with the errno
    while exp.tracks("robot").store_error is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "errno 28" in str(exp.tracks("robot").store_error)
    os.unlink(filler)
    exp.close()
    assert exp.tracks("robot").read(format="numpy")["x"].size == 2 * LIMIT - refused


def test_a_refused_entry_leaves_the_buffer_as_it_was(small_disk):
    exp = Experiment("p", dash_root=small_disk, max_buffer_rows=10, batch_size=5,
                     flush_interval=60, when_full="drop").open()
    filler = fill_disk(small_disk)
    accepted = 0
    with pytest.raises(BufferFullError, match="NOT recorded"):
        for i in range(100):
            exp.tracks("robot").append(x=float(i), _ts=float(i))
            accepted += 1
    os.unlink(filler)
    exp.close()
    assert exp.tracks("robot").read(format="numpy")["x"].tolist() == [float(i) for i in
                                                                      range(accepted)]


def test_abandon_marks_the_recording_incomplete_and_keeps_what_was_written(small_disk):
    exp = Experiment("p", dash_root=small_disk, flush_interval=60).open()
    exp.tracks("robot").append(x=1.0, _ts=1.0)
    exp.tracks.flush()
    exp.tracks("robot").append(x=2.0, _ts=2.0)
    filler = fill_disk(small_disk)
    with pytest.raises(StoreError, match="errno 28"):
        exp.close()
    os.unlink(filler)   # room for the status file only; the buffered row is given up
    assert exp.abandon("disk full") == 1
    assert exp.status()["status"] == "incomplete"
    assert exp.tracks("robot").read(format="numpy")["x"].tolist() == [1.0]

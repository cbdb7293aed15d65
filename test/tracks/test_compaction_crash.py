"""kill -9 of a real recording process in the middle of background merges loses nothing."""

import os
import random
import signal
import time

import numpy as np
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.tracks.store import layout, reader

from .conftest import start_py

ROWS = 20
CHILD = """
import sys
import numpy as np
from ml_dash_ros import Experiment
from ml_dash_ros.tracks.store import compaction
compaction.FANOUT = 2              # a merge after every other flush: tiers 1 KiB apart
compaction.TIER_BASE_BYTES = 1100  # (a flush of 20 rows is about 1,000 bytes)
exp = Experiment("p", dash_root=sys.argv[1], flush_interval=3600, batch_size=10**7).open()
b = exp.tracks("r")
k = 0
while True:
    ts = k * 20 + np.arange(20.0)
    b.append_batch({"_ts": ts, "v": ts * 2, "k": np.full(20, k)})
    b.flush()
    print(k, flush=True)
    k += 1
"""


def _kill_while_recording(dash_root, rng):
    """Run the child, SIGKILL it at a random moment; return the last flush it reported."""
    child = start_py(CHILD, dash_root)
    try:
        wanted, last = rng.randint(4, 60), -1
        while last < wanted:
            line = child.stdout.readline()
            if not line:
                raise AssertionError(f"child ended early: {child.stderr.read()}")
            last = int(line)
        time.sleep(rng.uniform(0.0, 0.03))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    rest = child.stdout.read().split()
    child.stdout.close()
    child.stderr.close()
    return int(rest[-1]) if rest else last


def _merge_was_cut(directory):
    names = os.listdir(directory)
    live = layout.live_segments(layout.scan_segments(directory))
    merging = any(n.endswith(".tmp") and "-c.parquet." in n for n in names)
    return merging or len(live) < len(layout.scan_segments(directory))


def _check_once(directory, last):
    table = reader.read_range(directory)
    ts = table.column("_ts").to_numpy()
    stored = sum(reader.file_info(s.path).num_rows
                 for s in layout.live_segments(layout.scan_segments(directory)))
    assert stored == len(ts), "a row is stored in two live files"
    assert len(ts) % ROWS == 0, "a flushed row was lost"
    assert len(ts) >= (last + 1) * ROWS, "a flushed row was lost"
    assert np.array_equal(ts, np.arange(len(ts), dtype=float)), "stamps are not each once"
    assert np.array_equal(table.column("v").to_numpy(), ts * 2), "values changed"


@pytest.mark.parametrize("seed", range(8))
def test_a_kill_at_a_random_moment_leaves_every_row_once(tmp_path, seed):
    last = _kill_while_recording(tmp_path, random.Random(seed))
    _check_once(tmp_path / "p" / "tracks" / "topic=r", last)


def test_a_kill_inside_a_merge_leaves_every_row_once(tmp_path):
    rng = random.Random(1)
    deadline = time.monotonic() + 120
    for attempt in range(200):
        root = tmp_path / str(attempt)
        last = _kill_while_recording(root, rng)
        directory = root / "p" / "tracks" / "topic=r"
        if _merge_was_cut(directory):
            break
        assert time.monotonic() < deadline, "no kill landed inside a merge"
    _check_once(directory, last)


def test_the_next_writer_cleans_a_cut_merge_and_reads_the_same(tmp_path):
    rng = random.Random(2)
    for attempt in range(200):
        root = tmp_path / str(attempt)
        _kill_while_recording(root, rng)
        directory = root / "p" / "tracks" / "topic=r"
        if _merge_was_cut(directory):
            break
    before = reader.read_range(directory)
    with Experiment("p", dash_root=root).run as exp:
        exp.tracks("r").append(v=-1.0, _ts=-1.0)
    assert reader.read_range(directory).slice(1).equals(before)
    assert not _merge_was_cut(directory)

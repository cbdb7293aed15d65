"""The ingest buffer itself: which part kind holds which rows (a speed choice, not behaviour).

Users see only what reads back (test_buffer.py); these tests pin the buffer's internal choice
of an ``ArrayPart`` (C arrays) for rows of one plain shape, so a change that silently sends
the common case down the general path shows up here.
"""

import math

import pytest

from ml_dash_ros.tracks.ingest.array_part import (ArrayPart, array_spec, part_from_rows,
                                                  part_from_tuples)
from ml_dash_ros.tracks.ingest.buffer import TopicBuffer
from ml_dash_ros.tracks.ingest.column_part import ColumnPart
from ml_dash_ros.tracks.ingest.values import normalize_fields

from test.helpers import robot


def filled(rows):
    """Return a TopicBuffer after putting (ts, fields) rows the way the general append does."""
    buf = TopicBuffer("r")
    with buf.lock:
        for ts, fields in rows:
            buf.put(ts, normalize_fields("r", fields))
    return buf


def test_plain_rows_of_one_shape_fill_one_array_part():
    buf = filled([(float(i), robot(i)) for i in range(3)])
    assert type(buf.part) is ArrayPart
    assert len(buf.part) == 3


def test_int_lists_fill_an_array_part():
    buf = filled([(0.0, dict(k=[1, 2])), (1.0, dict(k=[3, 4]))])
    assert type(buf.part) is ArrayPart
    assert len(buf.part) == 2


def test_joint_name_lists_fill_an_array_part():
    buf = filled([(float(i), dict(name=["j0", "j1"], q=[0.1 * i, 0.2])) for i in range(3)])
    assert type(buf.part) is ArrayPart
    assert len(buf.part) == 3


def test_a_row_of_another_shape_moves_to_a_column_part():
    buf = filled([(0.0, dict(name=["j0", "j1"])), (1.0, dict(name=["j0", 5]))])
    assert type(buf.part) is ColumnPart
    assert buf.count == 2


def test_a_column_part_takes_every_later_row_until_the_buffer_is_taken():
    rows = [(0.0, dict(a=None))] + [(float(i), dict(a=0.5 * i)) for i in range(1, 4)]
    buf = filled(rows)
    assert type(buf.part) is ColumnPart
    assert buf.part.last == math.inf  # the append fast fill needs last < _ts: never here
    assert buf.count == 4


def test_plain_dict_rows_make_one_array_part():
    rows = [{"q": [float(i)] * 3, "g": i * 0.5, "n": i, "_ts": i / 1000} for i in range(50)]
    part = part_from_rows(rows)
    assert type(part) is ArrayPart
    assert len(part) == 50


def test_plain_tuple_rows_make_one_array_part():
    rows = [(i / 1000, [float(i)] * 3, i * 0.5) for i in range(50)]
    part = part_from_tuples(("_ts", "q", "g"), rows)
    assert type(part) is ArrayPart
    assert len(part) == 50


@pytest.mark.parametrize("fields, fits", [
    (dict(a=1.0, b=[1.0, 2.0], c="s", d=b"x", e=False, f=3), True),
    (dict(a=None), False), (dict(a=[]), False), (dict(a=[1, 2.0]), False),
    (dict(a=[True]), False), (dict(a=[[1.0]]), False), (dict(a=2 ** 70), False),
])
def test_array_spec_accepts_only_plain_rows(fields, fits):
    assert (array_spec(fields) is not None) == fits


def test_the_only_topic_appends_unchecked_while_its_batch_waits(tmp_path, monkeypatch):
    # Alone, a topic cannot be overtaken by another one's unchecked rows: past its batch
    # size, its appends go on by the fast path until the room left is used (before, every
    # append took the checked path then: a quarter of bench_tracks' append time).
    from ml_dash_ros import Experiment
    exp = Experiment("p", dash_root=tmp_path, batch_size=1000, max_buffer_rows=4000,
                     flush_interval=60).open()
    track = exp.tracks("robot")
    ingest = track._ingest
    checked = []
    admit = ingest.admit
    monkeypatch.setattr(ingest, "admit", lambda n: (checked.append(n), admit(n))[1])
    with ingest.buffer.flush_lock:       # the woken flusher waits to write the first batch
        for i in range(2500):
            track.append(x=float(i), _ts=float(i))
        assert track.buffered_rows == 2500
    assert len(checked) <= 3
    exp.close()
    assert exp.tracks("robot").read(format="arrow").num_rows == 2500


def test_a_second_topic_makes_every_append_above_the_share_checked(tmp_path, monkeypatch):
    from ml_dash_ros import Experiment
    exp = Experiment("p", dash_root=tmp_path, batch_size=1000, max_buffer_rows=4000,
                     flush_interval=60).open()
    exp.tracks("imu").append(a=1.0, _ts=0.0)
    track = exp.tracks("robot")
    ingest = track._ingest
    checked = []
    admit = ingest.admit
    monkeypatch.setattr(ingest, "admit", lambda n: (checked.append(n), admit(n))[1])
    with ingest.buffer.flush_lock:
        for i in range(2500):
            track.append(x=float(i), _ts=float(i))
    assert len(checked) > 400           # the limit over both topics is checked row by row
    exp.close()

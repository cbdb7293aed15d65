"""Every way into a track gives the same table and the same errors for the same random rows.

A seeded generator (a failure reproduces by its seed) makes rows of floats, ints, bools,
strings and fixed-length float lists, with None, missing fields, widening mixes (an int in a
float column), repeated `_ts` that merge and `_ts` out of order, in batches; one batch in ten
has one bad row. Each path gets the same batches in its own track:

- ``append fast``: ``append(**fields, _ts=...)`` row by row, flushed every few batches, so
  rows of one shape fill the buffer's arrays directly (the fast fill);
- ``append slow``: the same, never flushed: its first row (which has a None) starts a general
  part, so every later append takes the validating path (test_ingest_internals.py);
- ``batch of dicts``: ``append_batch([{...}, ...])``;
- ``batch of columns``: ``append_batch({name: values})`` where every column of the batch holds
  one type (numpy arrays or lists), else the dicts as above;
- ``rows``: ``append_rows(names, tuples)``, None where a row lacks a field.

A bad row goes alone to the append paths and in its batch to the others. Each value against
a model is test_fuzz.py's job; here the paths are checked against each other.
"""

import math
import random
from typing import NamedTuple

import numpy as np
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import FieldTypeError, MlDashRosError

PATHS = ("append fast", "append slow", "batch of dicts", "batch of columns", "rows")
NAMES = ("a", "b", "c.d", "pose.x", "größe", "v")
KINDS = ("float", "int", "bool", "str", "vec2", "vec3")
BAD_NAMES = ("", "a..b", "x.", "_r", "a\0b")
MISSING = object()


def bad_value(r):
    """Return a value no path may store."""
    return r.choice([1j, object(), "\ud800", {1, 2}, ["a", "\udfff"], np.longdouble(1.0)])


class Rows:
    """Random batches of rows; ``bad`` is the index of the one bad row of a batch, or None."""

    def __init__(self, seed, mixes):
        self.r = random.Random(seed)
        self.mixes = mixes
        self.stamps = []
        self.next_ts = 0.0
        self.kinds = {name: self.r.choice(KINDS) for name in NAMES}  # a name keeps its kind
        self.kinds.update(a="float", b="vec3")
        self.columns = {"a": "float", "b": "vec3"}

    def value(self, kind):
        r = self.r
        pick = r.random()
        if pick < 0.05:
            return None
        if pick < 0.09:  # widens: an int among floats, a bool among ints, ints in a float list
            return {"float": r.randint(-9, 9), "int": True, "bool": False, "str": "",
                    "vec2": [1, 0.5], "vec3": [0.5, 2, True]}[kind]
        if pick < 0.10 and self.mixes:  # another type: the column becomes JSON text
            return r.choice(["text", 2.5, [1.0], 7])
        if kind == "float":
            return r.choice([r.uniform(-1e3, 1e3), r.random(), 0.0, 1e300, -math.inf])
        if kind == "int":
            return r.choice([r.randint(-1000, 1000), 2 ** 63 - 1, -2 ** 63])
        if kind == "bool":
            return r.random() < 0.5
        if kind == "str":
            return r.choice(["", "ok", "joint_1", "é", "日本", "x" * 40])
        return [r.uniform(-1, 1) for _ in range(int(kind[-1]))]

    def stamp(self):
        r = self.r
        pick = r.random()
        if pick < 0.1 and self.stamps:
            ts = r.choice(self.stamps)             # repeated: merges with the earlier row
        elif pick < 0.2 and self.stamps:
            ts = r.choice(self.stamps) + 0.25      # out of order
        else:
            self.next_ts += r.choice([0.5, 1.0, 1e-3])
            ts = self.next_ts
        self.stamps.append(ts)
        if ts == int(ts) and r.random() < 0.1:
            return int(ts)
        return np.float64(ts) if r.random() < 0.05 else ts

    def row(self):
        fields = {}
        for name, kind in self.columns.items():
            if self.r.random() < 0.05:
                continue  # missing
            fields[name] = self.value(kind)
        return {**fields, "_ts": self.stamp()}

    def reshape(self):
        r = self.r
        if r.random() < 0.5 and len(self.columns) < len(NAMES):
            name = r.choice([n for n in NAMES if n not in self.columns])
            self.columns[name] = self.kinds[name]
        elif len(self.columns) > 1:
            del self.columns[r.choice(sorted(self.columns))]

    def first(self):
        """Return the first batch: one row with a None (it fits no array part)."""
        return [{"a": None, "b": [0.0, 0.0, 0.0], "_ts": self.stamp()}], None

    def batch(self):
        r = self.r
        if r.random() < 0.1:
            self.reshape()
        rows = [self.row() for _ in range(r.randrange(1, 12))]
        if r.random() >= 0.1:
            return rows, None
        bad = r.randrange(len(rows))
        row = rows[bad]
        fault = r.randrange(3)
        if fault == 0:
            row["_ts"] = r.choice([math.nan, math.inf, "1.0", None])
        elif fault == 1:
            row[r.choice(sorted(self.columns))] = bad_value(r)
        else:
            name = r.choice(sorted(self.columns))
            row[r.choice(BAD_NAMES)] = row.pop(name, 1.0)
        return rows, bad


def column_values(rows, name):
    return [row.get(name) for row in rows]


def one_type(values):
    """Return True if the non-None values share one type (lists: floats of one length)."""
    present = [v for v in values if v is not None]
    kinds = {type(v) for v in present}
    if kinds == {list}:
        return (len({len(v) for v in present}) == 1
                and {type(x) for v in present for x in v} == {float})
    return len(kinds) <= 1


def as_columns(r, rows, names):
    """Return the rows as {name: values} (numpy where it can), or None if they do not fit."""
    values = {name: column_values(rows, name) for name in names}
    if not all(one_type(v) for name, v in values.items() if name != "_ts"):
        return None
    columns = {}
    for name, col in values.items():
        if None not in col and r.random() < 0.5 and type(col[0]) in (float, int, bool, list):
            col = np.array(col)
        columns[name] = col
    return columns


def field_names(rows):
    names = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def append_each(track, rows):
    for row in rows:
        fields = dict(row)
        ts = fields.pop("_ts", MISSING)
        if ts is MISSING:
            track.append(**fields)
        else:
            track.append(**fields, _ts=ts)


def put(r, exp, path, rows):
    """Give rows to one path's track."""
    track = exp.tracks(path)
    if path.startswith("append"):
        append_each(track, rows)
    elif path == "batch of dicts":
        track.append_batch([dict(row) for row in rows])
    elif path == "batch of columns":
        columns = as_columns(r, rows, field_names(rows))
        track.append_batch(columns if columns is not None else [dict(r) for r in rows])
    else:
        names = field_names(rows)
        names.remove("_ts")
        names.insert(r.randrange(len(names) + 1), "_ts")
        track.append_rows(names, [tuple(row.get(n) for n in names) for row in rows])


def outcome(call):
    """Return "stored", or the name of the library error raised."""
    try:
        call()
    except MlDashRosError as err:
        return type(err).__name__
    return "stored"


class Fed(NamedTuple):
    """What a run gave: each path's table, each bad row's outcomes, batches sent as columns."""

    tables: dict
    refusals: list
    columnar: int


def feed(root, seed, batches, mixes=False):
    """Feed every path the same batches in a fresh experiment; return a Fed."""
    gen = Rows(seed, mixes)
    r = random.Random(seed + 1)  # the form of each batch: numpy or lists, where `_ts` goes
    refusals, columnar = [], 0
    exp = Experiment("paths/run", dash_root=root, flush_interval=600,
                     batch_size=1_000_000, max_buffer_rows=2_000_000).open()
    try:
        for i in range(batches):
            rows, bad = gen.first() if i == 0 else gen.batch()
            columnar += as_columns(random.Random(0), rows, field_names(rows)) is not None
            if bad is None:
                for path in PATHS:
                    put(r, exp, path, rows)
            else:
                refusals.append({path: outcome(lambda: put(
                    r, exp, path, [rows[bad]] if path.startswith("append") else rows))
                    for path in PATHS})
            if i == 0 or r.random() < 0.2:
                exp.tracks("append fast").flush()
        tables = {path: exp.tracks(path).read(format="arrow") for path in PATHS}
    finally:
        exp.close()
    return Fed(tables, refusals, columnar)


def assert_same_schema(tables):
    want = tables[PATHS[0]].schema
    for path in PATHS[1:]:
        assert tables[path].schema == want, f"{path}: {tables[path].schema} != {want}"


def assert_same_rows(tables):
    want = tables[PATHS[0]].to_pylist()
    for path in PATHS[1:]:
        got = tables[path].to_pylist()
        assert len(got) == len(want), f"{path}: {len(got)} rows, {PATHS[0]}: {len(want)}"
        for row, other in zip(got, want):
            assert row == other, f"{path}: {row} != {PATHS[0]}: {other}"


def assert_same_errors(refusals):
    for outcomes in refusals:
        assert len(set(outcomes.values())) == 1, outcomes


SEEDS = [1, 2, 3]
BATCHES = 150


@pytest.fixture(scope="module", params=SEEDS)
def fed(request, tmp_path_factory):
    """Return one run per seed, shared by the tests of this module."""
    return feed(tmp_path_factory.mktemp("paths"), request.param, BATCHES)


def test_every_path_reads_back_the_same_schema(fed):
    assert_same_schema(fed.tables)


def test_every_path_reads_back_the_same_rows(fed):
    assert_same_rows(fed.tables)


def test_every_path_refuses_a_bad_row_with_the_same_error(fed):
    assert_same_errors(fed.refusals)


def test_a_bad_row_is_refused(fed):
    assert fed.refusals, "no bad row drawn: change the seeds"
    for outcomes in fed.refusals:
        assert outcomes[PATHS[0]] != "stored", outcomes


def test_most_batches_go_in_as_columns(fed):
    assert fed.columnar >= BATCHES // 3


@pytest.mark.xfail(strict=True, reason=(
    "a column that turns into JSON text keeps the numbers its parts widened before "
    "(5 -> '5.0', True -> '1'), so the text depends on where flushes and batches cut the rows"))
@pytest.mark.parametrize("seed", SEEDS)
def test_every_path_reads_back_the_same_mixed_columns(tmp_path, seed):
    assert_same_rows(feed(tmp_path, seed, BATCHES, mixes=True).tables)


@pytest.mark.parametrize("path", ["batch of dicts", "rows"])
def test_a_longdouble_after_the_first_row_is_refused_as_append_refuses_it(exp, path):
    rows = [{"a": 1.0, "_ts": 0.0}, {"a": np.longdouble(1.0), "_ts": 1.0}]
    with pytest.raises(FieldTypeError, match="longdouble"):
        put(random.Random(0), exp, path, rows)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100, 110))
def test_many_random_batches_give_the_same_tables_and_errors(tmp_path, seed):
    run = feed(tmp_path, seed, 2_000)
    assert_same_schema(run.tables)
    assert_same_rows(run.tables)
    assert_same_errors(run.refusals)

"""The generated fill and row functions give what their plain-Python references give."""

import random
from array import array

import pytest

from ml_dash_ros.tracks.ingest import _generated as ingest_generated
from ml_dash_ros.tracks.ingest.array_part import array_spec
from ml_dash_ros.tracks.store import _generated as store_generated

SEEDS = range(200)
KINDS = ("float", "int", "str", "bytes", "bool", "floats", "ints", "texts")
ODD_NAMES = ("q", "v0", "k1", "a0", "t0", "make", "fill", "row", "ts", "def", "__class__",
             "é ü", "x\x1by", "", "_ts ", "a.b")


def _value(rng, kind, k):
    """Return a random value of one kind (lists of ``k`` items)."""
    if kind == "float":
        return rng.choice([rng.uniform(-1e3, 1e3), 0.0, -0.0, float("nan"), 1e308])
    if kind == "int":
        return rng.choice([rng.randint(-10 ** 6, 10 ** 6), 0, 2 ** 63 - 1, -2 ** 63])
    if kind == "str":
        return rng.choice(["", "run", "é", "joint_" + str(rng.randint(0, 9))])
    if kind == "bytes":
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 3)))
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "floats":
        return [rng.uniform(-5, 5) for _ in range(k)]
    if kind == "ints":
        return [rng.randint(-5, 5) for _ in range(k)]
    return [rng.choice(["a", "b", "joint", "é"]) for _ in range(k)]


def _misfit(rng, kind, k):
    """Return a value that may not fit a field of ``kind`` (or may, by chance)."""
    choices = [
        lambda: _value(rng, rng.choice(KINDS), k),
        lambda: _value(rng, rng.choice(KINDS), k + rng.choice((-1, 1))),
        lambda: tuple(_value(rng, kind, k)) if kind in KINDS[5:] else None,
        lambda: 2 ** 63,                                   # beyond int64
        lambda: "\ud800",                                  # not UTF-8
        lambda: ["\ud800"] * k,
        lambda: [1.5] * k if kind == "ints" else [True] * k,
        lambda: [1, "x"] + [0] * (k - 2),
        lambda: rng.choice([None, 1.5, 7, object()]),
    ]
    return rng.choice(choices)()


def _template(rng):
    """Return (field names, kinds, list length) of a random row shape an ArrayPart takes."""
    n = rng.randint(1, 5)
    names = tuple(rng.sample(ODD_NAMES, n))
    return names, [rng.choice(KINDS) for _ in range(n)], rng.randint(1, 4)


def _row(rng, kinds, k, misfit_rate):
    values = [_value(rng, kind, k) for kind in kinds]
    if rng.random() < misfit_rate:
        i = rng.randrange(len(values))
        values[i] = _misfit(rng, kinds[i], k)
    if rng.random() < 0.03:
        values = values[:-1] if rng.random() < 0.5 else values + [0.0]
    return values


def _columns(codes, wants):
    """Return empty columns and their adders as ``ArrayPart`` makes them."""
    cols = [array(code) if code else [] for code in codes]
    adders = tuple(col.fromlist if type(want) is int else col.append
                   for col, want in zip(cols, wants))
    return cols, adders


def _outcome(function, *args):
    try:
        return function(*args)
    except Exception as err:  # the same exception type is part of the contract
        return type(err)


def _same(a, b):
    """Compare columns (or stamps) with NaN equal to NaN."""
    return repr([list(col) for col in a]) == repr([list(col) for col in b])


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_fill_matches_the_reference(seed):
    rng = random.Random(seed)
    names, kinds, k = _template(rng)
    spec = array_spec(dict(zip(names, (_value(rng, kind, k) for kind in kinds))))
    _, wants, codes = spec
    cols_gen, adders_gen = _columns(codes, wants)
    cols_ref, adders_ref = _columns(codes, wants)
    fill = ingest_generated.make_fill(wants, adders_gen)
    reference = ingest_generated.make_fill_reference(wants, adders_ref)
    for step in range(40):
        values = _row(rng, kinds, k, misfit_rate=0.4)
        got, want = _outcome(fill, values), _outcome(reference, values)
        assert got == want, (seed, step, values)
        assert _same(cols_gen, cols_ref), (seed, step, values)


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_fill_rows_matches_the_reference(seed):
    rng = random.Random(seed)
    names, kinds, k = _template(rng)
    names = tuple(name for name in names if name != "_ts")
    kinds = kinds[:len(names)]
    spec = array_spec(dict(zip(names, (_value(rng, kind, k) for kind in kinds))))
    _, wants, codes = spec
    for step in range(10):
        rows = []
        for i in range(rng.randint(0, 30)):
            row = dict(zip(names, _row(rng, kinds, k, misfit_rate=0.02)))
            row["_ts"] = rng.choice([float(i), i, float(i)] if rng.random() > 0.02
                                    else [True, "1", None])
            if rng.random() < 0.02:
                del row[rng.choice(list(row))]
            rows.append(row)
        cols_gen, adders_gen = _columns(codes, wants)
        cols_ref, adders_ref = _columns(codes, wants)
        stamps_gen, stamps_ref = [], []
        fill_rows = ingest_generated.make_fill_rows(names, wants, adders_gen,
                                                    stamps_gen.append, "_ts")
        reference = ingest_generated.make_fill_rows_reference(names, wants, adders_ref,
                                                              stamps_ref.append, "_ts")
        got, want = _outcome(fill_rows, rows), _outcome(reference, rows)
        assert got == want, (seed, step, rows)
        assert stamps_gen == stamps_ref, (seed, step)
        assert _same(cols_gen, cols_ref), (seed, step, rows)


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_row_maker_matches_the_reference(seed):
    rng = random.Random(seed)
    names = tuple(rng.choice(ODD_NAMES) for _ in range(rng.randint(1, 8)))  # repeats too
    make = store_generated.row_maker(names)
    reference = store_generated.row_maker_reference(names)
    for step in range(20):
        width = len(names) if rng.random() > 0.1 else len(names) + rng.choice((-1, 1))
        values = [_value(rng, rng.choice(KINDS), 2) for _ in range(width)]
        got, want = _outcome(make, *values), _outcome(reference, *values)
        assert type(got) is type(want), (seed, step, names)
        if type(got) is dict:
            assert repr(list(got.items())) == repr(list(want.items())), (seed, step, names)

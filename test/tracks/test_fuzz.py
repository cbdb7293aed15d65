"""Random appends of every kind against a model: what is accepted reads back, the rest is refused.

A seeded generator (failures reproduce by seed) makes values of every accepted type, numpy
dtype, nesting depth and name, and values the store cannot hold; it knows which is which. The
model is a dict `_ts` -> merged row; read-back must equal it under the widening rules of the
README's "Storage" section (numbers widen bool < int64 < double, lists element-wise, other mixes
become JSON text that the json format decodes).
"""

import math
import random
import tempfile

import numpy as np
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import MlDashRosError
from ml_dash_ros.tracks.ingest.values import MAX_DEPTH, MAX_NAME_LENGTH

from test.helpers import nested, recursive_list

TOPICS = ["robot", "cam/rgb"]
NAMES = ["a", "b", "c.d", "q", "größe", "x y", "e.f.g", "n" * MAX_NAME_LENGTH]
BAD_NAMES = ["", "x.", ".x", "a..b", "_r", "_recv", "a\0b", "a\x1b[31m", "\ud800",
             "n" * (MAX_NAME_LENGTH + 1)]
STAMPS = [0.0, 0.5, 1.0, 1.5, 2.0, 3.25, -1.0, 7.0, 1e9, 2.0 ** 53, 1e-9, 100.0]
GOOD_DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int32, np.int8, np.uint8,
               np.uint32, np.bool_]
NUMPY_SCALARS = GOOD_DTYPES + [np.uint64, np.str_, np.bytes_]


class Gen:
    """Random values with a flag: True when the store must accept them."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def stamp(self):
        ts = self.r.choice(STAMPS)
        kind = self.r.random()
        if kind < 0.1 and ts == int(ts) and abs(ts) < 2 ** 31:
            return int(ts)
        if kind < 0.15:
            return np.float64(ts)
        return ts

    def scalar(self):
        r = self.r
        pick = r.randrange(12)
        if pick == 0:
            return None
        if pick == 1:
            return r.random() < 0.5
        if pick == 2:
            return r.randint(-1000, 1000)
        if pick == 3:
            return r.choice([2 ** 63 - 1, -2 ** 63, 2 ** 62 + 1, 2 ** 64, -2 ** 100, 2 ** 1000])
        if pick == 4:
            return r.choice([r.uniform(-1e6, 1e6), math.nan, math.inf, -0.0, 1e308, 5e-324])
        if pick in (5, 6):
            return r.choice(["", "ok", "joint_1", "é", "日本", "🙂", "a\0b", "x" * 300])
        if pick == 7:
            return bytes(r.randrange(256) for _ in range(r.randrange(4)))
        if pick == 8:
            dtype = r.choice(NUMPY_SCALARS)
            if dtype is np.str_:
                return np.str_("né")
            if dtype is np.bytes_:
                return np.bytes_(b"\x00x")
            return np.array(r.randint(0, 100)).astype(dtype)[()]
        if pick == 9:
            return r.uniform(-1, 1)
        return r.random()

    def good(self, depth=0):
        r = self.r
        pick = r.randrange(10)
        if pick < 4 or depth > 3:
            return self.scalar()
        if pick == 4:
            kind = r.choice([float, int, str])
            n = r.randrange(5)
            return [kind(r.randint(0, 9)) for _ in range(n)]
        if pick == 5:
            return [self.good(depth + 1) for _ in range(r.randrange(4))]
        if pick == 6:
            dtype = r.choice(GOOD_DTYPES)
            shape = r.choice([(r.randrange(4),), (2, 3), (1, 1, 2)])
            return (np.arange(int(np.prod(shape))) % 5).astype(dtype).reshape(shape)
        if pick == 7:
            return {self.r.choice(NAMES[:6]): self.good(depth + 1)
                    for _ in range(r.randrange(3))}
        if pick == 8 and depth == 0:
            return r.choice([nested(MAX_DEPTH, 1.0), nested(MAX_DEPTH - 1, "s"), (1, 2.5),
                             [{"k": [1, "v"]}, None], np.array(["ab", "ç"])])
        return [r.random() < 0.5, 1, 2.5]

    def bad(self):
        return self.r.choice([
            lambda: np.longdouble(1.0), lambda: np.array([1.0], dtype=np.longdouble),
            lambda: 1 + 2j, lambda: object(), lambda: {1, 2}, recursive_list,
            lambda: nested(MAX_DEPTH + 1), lambda: nested(2000), lambda: "\ud800",
            lambda: ["a", "\udfff"], lambda: 2 ** 2000, lambda: [{1: 2}],
            lambda: [{"$bytes": "x"}], lambda: np.datetime64("2024-01-01"),
            lambda: {"": 1.0}, lambda: {"a": {"\x00": 1}}, lambda: {2: 1.0},
        ])()

    def fields(self, allow_bad=True):
        """Return (fields, ok)."""
        r = self.r
        fields = {r.choice(NAMES): self.good() for _ in range(r.randrange(4))}
        if r.random() < 0.05:
            fields["_recv_ts"] = r.random()
        ok = all(len(name) <= MAX_NAME_LENGTH for name in dotted_names(fields))
        if allow_bad and r.random() < 0.12:
            ok = False
            if r.random() < 0.5:
                fields[r.choice(NAMES)] = self.bad()
            else:
                fields[r.choice(BAD_NAMES)] = self.good()
        return fields, ok


def dotted_names(fields, prefix=""):
    for key, value in fields.items():
        if type(value) is dict:
            yield from dotted_names(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def expected(value):
    """Return the value as the json format gives it back (numpy and tuples as Python)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return expected(value.tolist())
    if isinstance(value, (list, tuple)):
        return [expected(v) for v in value]
    if isinstance(value, dict):
        return {k: expected(v) for k, v in value.items()}
    return value


def flatten(fields, prefix="", out=None):
    out = {} if out is None else out
    for key, value in fields.items():
        if type(value) is dict:
            flatten(value, prefix + key + ".", out)
        else:
            out[prefix + key] = expected(value)
    return out


def equivalent(want, got):
    """Return True if got is want after the documented widening."""
    numbers = (bool, int, float)
    if want is None or got is None:
        return want is got
    if type(want) in numbers and type(got) in numbers:
        if type(got) is float:
            if type(want) is float and math.isnan(want):
                return math.isnan(got)
            return float(want) == got
        return type(want) is not float and want == got
    if type(want) is list and type(got) is list:
        return len(want) == len(got) and all(map(equivalent, want, got))
    if type(want) is dict and type(got) is dict:
        return want.keys() == got.keys() and all(equivalent(want[k], got[k]) for k in want)
    return type(want) is type(got) and want == got


class Model:
    """Rows per topic: `_ts` -> merged fields (None means "not set")."""

    def __init__(self):
        self.rows = {topic: {} for topic in TOPICS}

    def put(self, topic, ts, fields):
        row = self.rows[topic].setdefault(float(ts), {})
        for key, value in flatten(fields).items():
            if value is not None or key not in row:
                row[key] = value

    def check(self, exp, topic):
        got = exp.tracks(topic).read()["entries"]
        want = self.rows[topic]
        assert [e["_ts"] for e in got] == sorted(want), f"{topic}: rows differ"
        for entry in got:
            row = {k: v for k, v in want[entry["_ts"]].items() if v is not None}
            fields = {k: v for k, v in entry.items() if k != "_ts"}
            assert fields.keys() == row.keys(), f"{topic} at {entry['_ts']}: columns differ"
            for key, value in row.items():
                assert equivalent(value, fields[key]), (
                    f"{topic} at {entry['_ts']}: {key!r} wrote {value!r}, read {fields[key]!r}")


def attempt(call, ok, topic):
    """Run an append; it must succeed when ok, else raise a documented error naming the topic."""
    if ok:
        call()
        return True
    with pytest.raises((TypeError, ValueError)) as info:
        call()
    assert isinstance(info.value, MlDashRosError), repr(info.value)
    assert repr(topic) in str(info.value)
    assert len(str(info.value)) < 500
    return False


def op_append(gen, exp, model, topic):
    fields, ok = gen.fields()
    ts = gen.stamp()
    if gen.r.random() < 0.02:
        ts, ok = gen.r.choice(["1.0", math.nan, math.inf, True, None]), False
    if attempt(lambda: exp.tracks(topic).append(**fields, _ts=ts), ok, topic):
        model.put(topic, ts, fields)
    return 1


def op_batch(gen, exp, model, topic):
    rows, ok = [], True
    for _ in range(gen.r.randrange(1, 6)):
        fields, good = gen.fields(allow_bad=gen.r.random() < 0.3)
        rows.append((gen.stamp(), fields))
        ok = ok and good
    if attempt(lambda: exp.tracks(topic).append_batch([{**f, "_ts": ts} for ts, f in rows]),
               ok, topic):
        for ts, fields in rows:
            model.put(topic, ts, fields)
    return len(rows)


def op_columns(gen, exp, model, topic):
    r = gen.r
    n = r.randrange(1, 6)
    stamps = np.array([float(gen.stamp()) for _ in range(n)])
    columns, bad = {"_ts": stamps}, set()
    for _ in range(r.randrange(1, 3)):
        name = r.choice(NAMES)
        pick = r.randrange(6)
        bad.discard(name)
        if pick == 0:
            columns[name] = (np.arange(n) % 3).astype(r.choice(GOOD_DTYPES))
        elif pick == 1:
            columns[name] = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
        elif pick == 2:
            columns[name] = np.array([r.choice(["a", "bé", ""]) for _ in range(n)])
        elif pick == 3:
            columns[name] = [r.random() for _ in range(n)]
        elif pick == 4:
            name = r.choice(BAD_NAMES)
            columns[name] = np.zeros(n)
            bad.add(name)
        else:
            columns[name] = r.choice([np.zeros(n, dtype=np.longdouble), np.zeros(n, complex),
                                      np.array(["\ud800"] * n), ["\udfff"] * n])
            bad.add(name)
    if attempt(lambda: exp.tracks(topic).append_batch(columns), not bad, topic):
        for i, ts in enumerate(stamps):
            model.put(topic, ts, {k: v[i] for k, v in columns.items() if k != "_ts"})
    return n


def op_rows(gen, exp, model, topic):
    r = gen.r
    names = tuple(r.sample(NAMES, r.randrange(1, 3)))
    ok = True
    if r.random() < 0.2:
        names, ok = names + (r.choice(BAD_NAMES),), False
    kinds = [r.choice([lambda: r.random(), lambda: r.randint(0, 9), lambda: "s",
                       lambda: [r.random(), 1.0], lambda: ["j1", "j2"], gen.good])
             for _ in names]
    rows = [tuple(k() for k in kinds) + (float(gen.stamp()),) for _ in range(r.randrange(1, 6))]
    if r.random() < 0.1:
        rows[-1] = rows[-1][:-2] + ("\ud800", rows[-1][-1])
        ok = False
    ok = ok and all(len(name) <= MAX_NAME_LENGTH for row in rows
                    for name in dotted_names(dict(zip(names, row))))
    if attempt(lambda: exp.tracks(topic).append_rows(names + ("_ts",), rows), ok, topic):
        for row in rows:
            model.put(topic, row[-1], dict(zip(names, row)))
    return len(rows)


def op_stream(gen, exp, model, topic):
    """Append rows of one shape at increasing stamps (the append fast path), a few misfits."""
    r = gen.r
    shape = [(name, r.choice([lambda: r.random(), lambda: r.randint(-5, 5), lambda: "ok",
                              lambda: [r.random(), r.random()], lambda: ["j1", "j2"],
                              lambda: r.random() < 0.5]))
             for name in r.sample(NAMES, r.randrange(1, 4))]
    start = gen.stream = getattr(gen, "stream", 1e4) + 100.0
    n = r.randrange(5, 40)
    for i in range(n):
        fields = {name: make() for name, make in shape}
        ok = True
        if r.random() < 0.05:
            fields[shape[0][0]] = r.choice([2 ** 62 + 1, 2 ** 70, "é", None, [1, 2, 3]])
        elif r.random() < 0.05:
            fields[shape[0][0]], ok = gen.bad(), False
        ts = start + i * 0.5 if r.random() < 0.9 else start + r.randrange(i + 1) * 0.5
        if attempt(lambda: exp.tracks(topic).append(**fields, _ts=ts), ok, topic):
            model.put(topic, ts, fields)
    return n


def run(seed, appends):
    gen = Gen(seed)
    model = Model()
    with tempfile.TemporaryDirectory() as root:
        exp = Experiment("fuzz/run", dash_root=root, flush_interval=600).open()
        done = 0
        try:
            while done < appends:
                topic = gen.r.choice(TOPICS)
                pick = gen.r.random()
                if pick < 0.70:
                    done += op_append(gen, exp, model, topic)
                elif pick < 0.80:
                    done += op_stream(gen, exp, model, topic)
                elif pick < 0.87:
                    done += op_batch(gen, exp, model, topic)
                elif pick < 0.92:
                    done += op_columns(gen, exp, model, topic)
                elif pick < 0.97:
                    done += op_rows(gen, exp, model, topic)
                elif pick < 0.995:
                    exp.tracks(topic).flush()
                elif pick < 0.998:
                    model.check(exp, topic)
                else:
                    exp.close()  # compacts
                    exp = Experiment("fuzz/run", dash_root=root, flush_interval=600).open()
            for topic in TOPICS:
                model.check(exp, topic)
        finally:
            exp.close()
        reopened = Experiment("fuzz/run", dash_root=root)
        for topic in TOPICS:
            model.check(reopened, topic)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_appends_read_back_as_the_model(seed):
    run(seed, 5_000)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10, 14))
def test_many_random_appends_read_back_as_the_model(seed):
    run(seed, 50_000)

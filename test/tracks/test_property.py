"""Random appends, flushes, reopens and reads against a plain in-memory model."""

import tempfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ml_dash_ros import Experiment
from ml_dash_ros.errors import TrackNotFoundError

TOPICS = ["robot", "cam/rgb", "a b"]
FIELDS = ["a", "b", "c.d"]
STAMPS = [0.0, 0.5, 1.0, 1.5, 2.0, 7.25]
values = st.one_of(
    st.none(), st.booleans(), st.integers(-10 ** 6, 10 ** 6),
    st.floats(allow_nan=False, allow_infinity=False, width=64), st.text(max_size=5),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=3),
    st.lists(st.integers(-5, 5), max_size=3), st.binary(max_size=3),
    st.lists(st.lists(st.floats(-2, 2), max_size=2), max_size=2),
)
append = st.tuples(st.just("append"), st.sampled_from(TOPICS), st.sampled_from(STAMPS),
                   st.dictionaries(st.sampled_from(FIELDS), values, max_size=3))
batch = st.tuples(st.just("batch"), st.sampled_from(TOPICS),
                  st.lists(st.tuples(st.sampled_from(STAMPS),
                                     st.dictionaries(st.sampled_from(FIELDS), values,
                                                     max_size=2)), min_size=1, max_size=4))
other = st.sampled_from([("flush",), ("reopen",)])
read = st.tuples(st.just("read"), st.sampled_from(TOPICS),
                 st.one_of(st.none(), st.sampled_from(STAMPS)),
                 st.one_of(st.none(), st.sampled_from(STAMPS)))
operations = st.lists(st.one_of(append, batch, other, read), max_size=25)


def model_rows(model, topic, start, end):
    rows = []
    for ts in sorted(model.get(topic, {})):
        if (start is None or ts >= start) and (end is None or ts <= end):
            fields = {k: v for k, v in model[topic][ts].items() if v is not None}
            rows.append({"_ts": ts, **fields})
    return rows


def model_put(model, topic, ts, fields):
    row = model.setdefault(topic, {}).setdefault(ts, {})
    for key, value in fields.items():
        if value is not None or key not in row:
            row[key] = value


def check(exp, model, topic, start, end):
    if topic not in model:  # never appended to: the track does not exist
        with pytest.raises(TrackNotFoundError):
            exp.tracks(topic).read(start, end)
        return
    got = exp.tracks(topic).read(start, end)["entries"]
    assert got == model_rows(model, topic, start, end)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations)
def test_store_matches_model(ops):
    with tempfile.TemporaryDirectory() as root:
        model: dict = {}
        exp = Experiment("prop/run", dash_root=root, flush_interval=60).open()
        try:
            for op in ops:
                if op[0] == "append":
                    exp.tracks(op[1]).append(**op[3], _ts=op[2])
                    model_put(model, op[1], op[2], op[3])
                elif op[0] == "batch":
                    exp.tracks(op[1]).append_batch([{**f, "_ts": ts} for ts, f in op[2]])
                    for ts, fields in op[2]:
                        model_put(model, op[1], ts, fields)
                elif op[0] == "flush":
                    exp.tracks.flush()
                elif op[0] == "reopen":
                    exp.close()
                    exp = Experiment("prop/run", dash_root=root, flush_interval=60).open()
                else:
                    check(exp, model, op[1], op[2], op[3])
            for topic in TOPICS:
                check(exp, model, topic, None, None)
        finally:
            exp.close()
        for topic in TOPICS:
            check(Experiment("prop/run", dash_root=root), model, topic, None, None)

"""jsonl bytes are strict JSON: non-finite floats become "NaN", "Infinity", "-Infinity"."""

import math

import pytest

from test.helpers import strict_loads


@pytest.fixture
def odd(exp):
    """Return a track with NaN and infinities in scalars and lists."""
    track = exp.tracks("odd")
    track.append(x=math.nan, v=[1.0, math.inf, -math.inf], _ts=0.0)
    track.append(x=2.5, v=[0.0, 1.0, 2.0], _ts=1.0)
    return track


def test_jsonl_lines_parse_with_a_strict_parser(odd):
    lines = odd.read(format="jsonl").decode().splitlines()
    assert [strict_loads(line) for line in lines] == [
        {"_ts": 0.0, "x": "NaN", "v": [1.0, "Infinity", "-Infinity"]},
        {"_ts": 1.0, "x": 2.5, "v": [0.0, 1.0, 2.0]}]


def test_json_format_keeps_python_floats(odd):
    entry = odd.read(format="json")["entries"][0]
    assert math.isnan(entry["x"])

"""read --format json / jsonl print strict JSON: non-finite floats as "NaN" / "Infinity"."""

import math

import pytest

from ml_dash_ros import Experiment

from test.helpers import strict_loads
from test.tools.conftest import run_cli


@pytest.fixture
def odd_root(tmp_path):
    """Return a dash_root whose track 'odd' holds NaN and infinities."""
    root = tmp_path / "dash"
    with Experiment("lab/odd", dash_root=root).run as exp:
        exp.tracks("odd").append(x=math.nan, v=[math.inf, -math.inf], _ts=1.0)
    return root


def test_jsonl_output_is_strict_json(odd_root):
    proc = run_cli("read", "lab/odd", "odd", "--dash-root", odd_root, "--format", "jsonl")
    assert strict_loads(proc.stdout) == {"_ts": 1.0, "x": "NaN", "v": ["Infinity", "-Infinity"]}


def test_json_output_is_strict_json(odd_root):
    proc = run_cli("read", "lab/odd", "odd", "--dash-root", odd_root, "--format", "json")
    assert strict_loads(proc.stdout)["entries"] == [
        {"_ts": 1.0, "x": "NaN", "v": ["Infinity", "-Infinity"]}]

"""Helpers the tests of several files share: reading entries, odd values, damage, children."""

import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# A child that records one row into prefix argv[2] under dash_root argv[1], says "ready" and
# waits (to be killed): a recording left "running".
WAITING_WRITER = """
import sys, time
from ml_dash_ros import Experiment
exp = Experiment(sys.argv[2], dash_root=sys.argv[1], flush_interval=60).open()
exp.tracks("robot").append(q=[0.1] * 7, _ts=1.0)
exp.tracks.flush()
print("ready", flush=True)
time.sleep(600)
"""


def entries(builder, **read_args):
    """Return a track's entries in the json format."""
    return builder.read(**read_args)["entries"]


def robot(i):
    """Return the fields of a robot row: a joint list, a float, a str and a bool."""
    return dict(q=[i + 0.1 * j for j in range(3)], g=0.5 * i, name="arm", ok=True)


def nested(depth, leaf=1):
    """Return ``leaf`` inside ``depth`` lists."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def recursive_list():
    """Return a list that contains itself."""
    value = [1.0]
    value.append(value)
    return value


def strict_loads(text):
    """Parse JSON refusing the NaN / Infinity tokens, as JSON.parse does."""
    def refuse(token):
        raise ValueError(f"not JSON: {token}")
    return json.loads(text, parse_constant=refuse)


def truncate(path):
    """Cut a file to half its size."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def child_env(**variables):
    """Return the environment of a child Python of this venv (the package importable)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(variables)
    return env

"""A bag whose stamps jump back (a simulation reset, a looped bag) never blends two passes."""

import json

import numpy as np
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.mapping import load_config
from ml_dash_ros.tools.bag_import import import_bag
from test.tools import bags

MAPPING = """\
experiment: {{prefix: sim/run, dash_root: {dash_root}}}
{extra}topics:
  - {{topic: /joint_states, track: robot, fields: {{position: q}}}}
  - {{topic: /imu/data, track: imu}}
"""
COUNT = 150                     # per pass: stamps 100.00 .. 101.49 (a jump of 1.49 s)


def _messages():
    out = []
    for sign, start in ((1, 0), (-1, 10)):          # pass B logged 10 s later
        for k in range(COUNT):
            stamp = 100.0 + k * 0.01
            log = int((bags.T0 + start + k * 0.01) * 1e9)
            js = bags.joint_state(stamp, k)
            js.position[0] = float(k) if sign > 0 else -k - 1.0
            out.append(("/joint_states", "sensor_msgs/msg/JointState", log, js))
            if k % 2 == 0:
                out.append(("/imu/data", "sensor_msgs/msg/Imu", log + 1000, bags.imu(stamp, k)))
    return out


def _import(tmp_path, extra=""):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAPPING.format(dash_root=tmp_path / "dash", extra=extra))
    bag = bags.write_bag(tmp_path / "bag", "mcap", messages=_messages())
    return import_bag(bag, load_config(mapping))


def _q0(tmp_path, prefix):
    rows = Experiment(prefix, dash_root=tmp_path / "dash").tracks("robot").read(format="numpy")
    return rows["q"][:, 0]


def test_a_reset_in_a_bag_starts_a_new_episode_and_keeps_each_pass_whole(tmp_path):
    report = _import(tmp_path)
    assert report.episodes == ("sim/run-001", "sim/run-002")
    assert np.array_equal(_q0(tmp_path, "sim/run-001"), np.arange(COUNT, dtype=float))
    assert np.array_equal(_q0(tmp_path, "sim/run-002"), -np.arange(COUNT, dtype=float) - 1)


def test_every_track_of_a_pass_stays_in_its_episode(tmp_path):
    _import(tmp_path)
    for prefix in ("sim/run-001", "sim/run-002"):
        imu = Experiment(prefix, dash_root=tmp_path / "dash").tracks("imu").read(format="numpy")
        assert len(imu["_ts"]) == COUNT // 2


def test_the_jump_is_reported_in_the_new_episodes_recorder_json(tmp_path):
    _import(tmp_path)
    stats = json.loads((tmp_path / "dash/sim/run-002/recorder.json").read_text())
    (jump,) = stats["time_jumps"]
    assert (jump["topic"], jump["from"], jump["to"]) == ("/joint_states", 101.49, 100.0)
    first = json.loads((tmp_path / "dash/sim/run-001/recorder.json").read_text())
    assert first["topics"]["/joint_states"]["received"] == COUNT


def test_ignore_keeps_one_episode(tmp_path):
    report = _import(tmp_path, extra="recorder: {on_time_jump: ignore}\n")
    assert report.episodes == ("sim/run-001",)
    assert len(_q0(tmp_path, "sim/run-001")) == COUNT


@pytest.mark.parametrize("storage", ["sqlite3"])
def test_the_ordinary_scenario_has_no_time_jump(tmp_path, storage):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(bags.MAPPING.format(dash_root=tmp_path / "dash"))
    report = import_bag(bags.write_bag(tmp_path / "bag", storage), load_config(mapping))
    assert report.episodes == ("bag/import-001",)


@pytest.mark.parametrize("prefix, expected", [
    ("sim/run-001", ["start", "time_jump", "end"]),
    ("sim/run-002", ["start", "end"]),
])
def test_each_episode_of_a_bag_has_the_live_recorders_events(tmp_path, prefix, expected):
    _import(tmp_path)
    entries = Experiment(prefix, dash_root=tmp_path / "dash").tracks("_events").read()["entries"]
    assert [entry["event"] for entry in entries] == expected


def test_the_mappings_params_go_into_every_episode_of_a_bag(tmp_path):
    _import(tmp_path, extra="params: {robot: sim}\n")
    robots = [Experiment(prefix, dash_root=tmp_path / "dash").params.get().get("robot")
              for prefix in ("sim/run-001", "sim/run-002")]
    assert robots == ["sim", "sim"]

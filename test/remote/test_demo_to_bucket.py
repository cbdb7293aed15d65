"""The fleet path end to end: the demo robot recorded straight into a bucket on a real S3 server
(127.0.0.1), the server stopped and restarted mid-recording, every row found in the bucket,
and a Ray job aligning the episodes from it into training shards."""

import os
import time

import numpy as np
import pyarrow.dataset as pads
import pytest
import ray
from sensor_msgs.msg import JointState

from ml_dash_ros import Experiment
from ml_dash_ros.tools.dataset import Dataset
from ml_dash_ros.tools.on_ray import align_on_ray
from ml_dash_ros.tracks.store import upload

from test.remote.conftest import new_bucket
from test.ros.support import Listener, spawn, start_recorder, stop, wait_for_log, write_config

pytestmark = pytest.mark.timeout(900)    # Ray and the recorder start slowly on a busy machine

TOPICS = """\
  - {topic: /joint_states, track: robot, fields: {position: q}}
  - {topic: /imu/data, track: imu}
"""
PERIOD_NS = 2_000_000         # the demo robot's joint states: 500 Hz on an exact grid
S3_ENV = ("ML_DASH_S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION")


@pytest.fixture
def recorded(tmp_path, own_server, staging, monkeypatch):
    """Record the demo robot into s3://bucket/fleet in episodes of 2 s; stop the S3 server for
    a while in the middle. Return the dash_root and the joint stamps a listener heard."""
    monkeypatch.setenv("ML_DASH_UPLOAD_WAIT", "120")
    root = f"s3://{new_bucket()}/fleet"
    config = write_config(tmp_path / "map.yaml", TOPICS, prefix="robot7/pick", dash_root=root,
                          extra="recorder: {max_episode_duration: 2.0}\n")
    log = tmp_path / "recorder.log"
    with Listener({"/joint_states": JointState}) as listener:
        robot = spawn("ml_dash_ros.ros.demo_robot", "--ros-args", "-p", "camera:=false",
                      log_path=tmp_path / "robot.log")
        recorder = start_recorder(config, log)
        try:
            assert wait_for_log(log, "/joint_states [", timeout=90), log.read_text()
            first = listener.count("/joint_states")
            assert listener.wait_for("/joint_states", first + 1000, timeout=120)
            own_server.stop()                            # the network goes away ...
            down = listener.count("/joint_states")
            assert listener.wait_for("/joint_states", down + 1500, timeout=120)
            own_server.start()                           # ... and comes back
            up = listener.count("/joint_states")
            assert listener.wait_for("/joint_states", up + 1000, timeout=120)
        finally:
            robot_code = stop(robot, timeout=60)
            code = stop(recorder, timeout=300)
        heard = [msg.header.stamp.sec * 10**9 + msg.header.stamp.nanosec
                 for msg in listener.snapshot("/joint_states")]
    assert (robot_code, code) == (0, 0), log.read_text()
    deadline = time.monotonic() + 120
    while upload.waiting(staging).files and time.monotonic() < deadline:
        time.sleep(0.5)
    assert upload.waiting(staging).files == 0, log.read_text()
    return root, heard


def _with_rows(root: str) -> Dataset:
    """The episodes that hold joint states (one started as the robot stopped may not)."""
    episodes = Dataset("robot7/pick-*", dash_root=root).episodes
    numbers = "".join(e.prefix[-1] for e in episodes if e.tracks.get("robot"))
    # while the bucket is out of reach no episode can start: fewer episodes than 2 s each
    assert len(episodes) < 10 and len(numbers) >= 2, [(e.prefix, e.tracks) for e in episodes]
    return Dataset(f"robot7/pick-00[{numbers}]", dash_root=root)


def _ticks(root: str, prefix: str) -> np.ndarray:
    """The stored stamps in units of 10 us (float seconds keep about 0.2 us here)."""
    ts = Experiment(prefix, dash_root=root).tracks("robot").read(format="numpy")["_ts"]
    return np.round(np.asarray(ts) * 1e5).astype(np.int64)


def test_every_joint_state_reaches_the_bucket_once(recorded):
    root, heard = recorded
    episodes = _with_rows(root).episodes
    stored = np.concatenate([_ticks(root, e.prefix) for e in episodes])
    assert len(stored) == len(np.unique(stored)), "a row stored twice"
    steps = np.diff(np.sort(stored))
    # every grid stamp between the first and the last recorded one, each once
    assert steps.tolist() == [PERIOD_NS // 10_000] * len(steps)
    # and everything the listener heard while the recorder ran is among them
    heard = np.round(np.asarray(heard) / 10_000).astype(np.int64)
    inside = heard[(heard >= stored.min()) & (heard <= stored.max())]
    assert np.isin(inside, stored).all()


def test_ray_aligns_the_episodes_from_the_bucket_into_shards(recorded, tmp_path):
    root, _ = recorded
    dataset = _with_rows(root)
    ray.init(num_cpus=2, include_dashboard=False,
             runtime_env={"env_vars": {name: os.environ[name] for name in S3_ENV}})
    try:
        shards = align_on_ray(dataset, ["robot", "imu"], hz=50, out=tmp_path / "shards")
    finally:
        ray.shutdown()
    assert len(shards.paths) == len(dataset.episodes)
    table = pads.dataset(str(tmp_path / "shards"), format="parquet").to_table()
    expected = sum(dataset.align_episode(i, ["robot", "imu"], hz=50).num_rows
                   for i in range(len(dataset.episodes)))
    assert table.num_rows == expected > 0
    assert set(table.column("episode").to_pylist()) == {e.prefix for e in dataset.episodes}

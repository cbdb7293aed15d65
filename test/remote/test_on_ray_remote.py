"""A dataset on an ``s3://`` dash_root aligned on a real local Ray (num_cpus=2): each worker
reads the bucket itself (a real S3 server on 127.0.0.1)."""

import os

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import ray

from ml_dash_ros import Experiment
from ml_dash_ros.tools.dataset import Dataset
from ml_dash_ros.tools.on_ray import align_on_ray
from ml_dash_ros.tools.shards import shard_name

from test.remote.conftest import upload

pytestmark = pytest.mark.timeout(900)    # Ray starts slowly on a busy machine

EPISODES = ("alice/run-001", "alice/run-002")
S3_ENV = ("ML_DASH_S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION")


@pytest.fixture
def dataset(tmp_path, bucket):
    """Two episodes recorded locally and uploaded to s3://bucket/runs, as a Dataset."""
    local = tmp_path / "local"
    for n, prefix in enumerate(EPISODES):
        with Experiment(prefix, dash_root=local).run as exp:
            exp.tracks("robot").append_batch([{"q": [float(i), n], "_ts": i / 10}
                                              for i in range(50)])
    upload(local, bucket, "runs")
    return Dataset("alice/*", dash_root=f"s3://{bucket}/runs")


@pytest.fixture
def local_ray(s3_env):
    """Start a local Ray whose workers see the test server's environment."""
    ray.init(num_cpus=2, include_dashboard=False,
             runtime_env={"env_vars": {name: os.environ[name] for name in S3_ENV}})
    yield
    ray.shutdown()


@pytest.mark.parametrize("prefix", EPISODES)
def test_a_shard_of_an_s3_episode_equals_its_dataset_align(dataset, local_ray, tmp_path,
                                                           prefix):
    align_on_ray(dataset, ["robot"], hz=5, out=tmp_path / "shards")
    expected = dataset.align(["robot"], hz=5)
    shard = pq.read_table(tmp_path / "shards" / shard_name(prefix))
    assert shard.equals(expected.filter(pc.equal(expected["episode"], prefix)))

"""Per-episode shards under an ``s3://`` directory (a real S3 server on 127.0.0.1)."""

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ml_dash_ros.tools.shards import shard_exists, write_shard
from ml_dash_ros.tracks.store import remote

PREFIX = "alice/franka/pick-001"
TABLE = pa.table({"episode": [PREFIX] * 3, "_ts": [1.0, 2.0, 3.0]})


def test_a_shard_written_to_s3_reads_back(bucket):
    path = write_shard(f"s3://{bucket}/aligned", PREFIX, TABLE)
    key = remote.parse(path).key()
    assert pq.read_table(key, filesystem=remote.filesystem()).equals(TABLE)


def test_a_shard_written_to_s3_leaves_no_temporary_object(bucket):
    write_shard(f"s3://{bucket}/aligned", PREFIX, TABLE)
    listed = remote.filesystem().get_file_info(pafs.FileSelector(f"{bucket}/aligned"))
    assert [info.base_name for info in listed] == ["alice%2Ffranka%2Fpick-001.parquet"]


def test_a_shard_on_s3_is_not_found_before_it_is_written(bucket):
    assert not shard_exists(f"s3://{bucket}/aligned", PREFIX)


def test_a_shard_on_s3_is_found_once_written(bucket):
    write_shard(f"s3://{bucket}/aligned", PREFIX, TABLE)
    assert shard_exists(f"s3://{bucket}/aligned", PREFIX)

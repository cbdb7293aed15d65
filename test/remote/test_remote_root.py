"""An s3:// dash_root: parsed, reached with the environment's settings, refused clearly."""

import pyarrow.fs as pafs
import pytest

from ml_dash_ros.errors import RemoteError
from ml_dash_ros.tracks.store import remote


def test_a_uri_splits_into_bucket_and_path():
    assert remote.parse("s3://bkt/a/b/") == remote.RemoteRoot("bkt", "a/b")


def test_a_uri_without_a_bucket_is_refused():
    with pytest.raises(ValueError, match=r"'s3://': no bucket"):
        remote.parse("s3://")


def test_dot_dot_in_the_path_is_refused():
    with pytest.raises(ValueError, match=r"'\.\.' are not allowed"):
        remote.parse("s3://bkt/a/../b")


def test_the_endpoint_comes_from_the_environment(s3_env, bucket):
    fs = remote.filesystem()
    with fs.open_output_stream(f"{bucket}/x") as out:
        out.write(b"abc")
    assert fs.get_file_info(f"{bucket}/x").size == 3


def test_aws_endpoint_url_is_read_when_ours_is_unset(s3_env, bucket, monkeypatch):
    monkeypatch.delenv("ML_DASH_S3_ENDPOINT")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_env)
    remote.check_access(remote.filesystem(), remote.RemoteRoot(bucket, "p"))


def test_a_reachable_bucket_passes_the_check(bucket):
    remote.check_access(remote.filesystem(), remote.parse(f"s3://{bucket}/runs"))


def test_a_missing_bucket_is_named(s3_env):
    with pytest.raises(RemoteError, match=r"s3://no-such-bucket/runs .*bucket 'no-such-bucket' "
                                          r"does not exist"):
        remote.check_access(remote.filesystem(), remote.parse("s3://no-such-bucket/runs"))


def test_refused_credentials_are_named(bucket, refuse_unknown_keys, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDWRONG")
    with pytest.raises(RemoteError, match=r"credentials refused: check AWS_ACCESS_KEY_ID"):
        remote.check_access(remote.filesystem(), remote.parse(f"s3://{bucket}/runs"))


def test_a_server_that_is_down_is_named(s3_env, monkeypatch):
    monkeypatch.setenv("ML_DASH_S3_ENDPOINT", "http://127.0.0.1:9")
    with pytest.raises(RemoteError, match=r"s3://bkt .*endpoint http://127.0.0.1:9"):
        remote.check_access(remote.filesystem(), remote.parse("s3://bkt"))


def test_a_bad_endpoint_is_refused(s3_env, monkeypatch):
    monkeypatch.setenv("ML_DASH_S3_ENDPOINT", "ftp://host")
    with pytest.raises(ValueError, match=r"S3 endpoint 'ftp://host'"):
        remote.filesystem()


def test_a_file_system_lists_nothing_under_a_fresh_root(bucket):
    fs = remote.filesystem()
    assert fs.get_file_info(pafs.FileSelector(f"{bucket}/p", allow_not_found=True)) == []

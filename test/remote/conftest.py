"""A real S3 server on 127.0.0.1 (moto's server mode) and a fresh bucket per test."""

import itertools
import logging

import pytest

_names = itertools.count()


@pytest.fixture(scope="session")
def s3_server():
    """Start one moto S3 server for the session; yield its endpoint URL."""
    from moto.server import ThreadedMotoServer
    logging.getLogger("werkzeug").setLevel(logging.ERROR)   # one log line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_env(s3_server, monkeypatch):
    """Point the AWS environment at the test server; return its endpoint."""
    monkeypatch.setenv("ML_DASH_S3_ENDPOINT", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "ML_DASH_ROOT"):
        monkeypatch.delenv(name, raising=False)
    return s3_server


@pytest.fixture
def bucket(s3_env):
    """Create a fresh bucket on the test server; return its name."""
    import boto3
    name = f"bucket-{next(_names)}"
    boto3.client("s3", endpoint_url=s3_env).create_bucket(Bucket=name)
    return name


@pytest.fixture
def refuse_unknown_keys(monkeypatch):
    """Make the test server check credentials (it accepts any by default)."""
    from moto import settings
    monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)


@pytest.fixture(autouse=True)
def staging(tmp_path, monkeypatch):
    """Stage s3:// recordings under tmp_path; forget the mounts after the test."""
    from ml_dash_ros.tracks.store.s3_storage import detach_all
    from ml_dash_ros.tracks.store.remote_view import forget_views
    from ml_dash_ros.tracks.store.uploader import stop_all
    monkeypatch.setenv("ML_DASH_STAGING", str(tmp_path / "staging"))
    yield tmp_path / "staging"
    stop_all()
    detach_all()
    forget_views()


def upload(local_dir, bucket, key):
    """Copy a local directory to s3://bucket/key as it is (what a finished upload leaves)."""
    import pyarrow.fs as pafs
    from ml_dash_ros.tracks.store import remote
    pafs.copy_files(str(local_dir), f"{bucket}/{key}",
                    source_filesystem=pafs.LocalFileSystem(),
                    destination_filesystem=remote.filesystem())


@pytest.fixture
def own_server(monkeypatch):
    """A moto server of this test's own (to stop and restart); yield it, env pointed at it."""
    from moto.server import ThreadedMotoServer

    class Server:
        def __init__(self):
            self.port = 0
            self.server = None

        def start(self):
            self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port,
                                             verbose=False)
            self.server.start()
            self.port = self.server.get_host_and_port()[1]
            return f"http://127.0.0.1:{self.port}"

        def stop(self):
            self.server.stop()

    server = Server()
    url = server.start()
    monkeypatch.setenv("ML_DASH_S3_ENDPOINT", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    yield server
    server.stop()


def objects(bucket, key=""):
    """Return {key: size} of the objects below s3://bucket/key."""
    import pyarrow.fs as pafs
    from ml_dash_ros.tracks.store import remote
    infos = remote.filesystem().get_file_info(
        pafs.FileSelector(f"{bucket}/{key}".rstrip("/"), recursive=True, allow_not_found=True))
    return {i.path[len(bucket) + 1:]: i.size for i in infos if i.type == pafs.FileType.File}


def new_bucket():
    """Create a fresh bucket on the server the environment points at; return its name."""
    import os

    import boto3
    name = f"own-{next(_names)}"    # moto keeps every bucket for the whole process
    boto3.client("s3", endpoint_url=os.environ["ML_DASH_S3_ENDPOINT"]).create_bucket(Bucket=name)
    return name

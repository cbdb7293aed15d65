"""A bag imported into an s3:// dash_root: staged, uploaded, read back from the bucket."""

import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import RecordingExistsError
from ml_dash_ros.mapping import load_config
from ml_dash_ros.tools.bag_import import import_bag
from ml_dash_ros.tracks.store import upload
from ml_dash_ros.tracks.store.s3_storage import detach_all
from ml_dash_ros.tracks.store.uploader import stop_all

from test.tools import bags


@pytest.fixture
def imported(tmp_path, bucket, monkeypatch):
    """Import the test bag into s3://bucket/runs; return (URI, local reference Experiment)."""
    monkeypatch.setenv("ML_DASH_UPLOAD_WAIT", "120")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(bags.MAPPING.format(dash_root=tmp_path / "local"))
    config = load_config(mapping)
    bag = bags.write_bag(tmp_path / "bag", "sqlite3")
    uri = f"s3://{bucket}/runs"
    import_bag(bag, config, prefix="imp", dash_root=uri)
    import_bag(bag, config, prefix="imp")
    stop_all()
    detach_all()
    return uri, config, bag, Experiment("imp-001", dash_root=tmp_path / "local")


def test_an_imported_bag_reads_back_from_the_bucket(imported):
    uri, _, _, local = imported
    remote = Experiment("imp-001", dash_root=uri)
    assert remote.tracks.list() == local.tracks.list()


def test_an_import_leaves_nothing_staged(imported, staging):
    assert upload.waiting(staging).files == 0


def test_an_import_onto_a_recording_only_in_the_bucket_is_refused(imported):
    uri, config, bag, _ = imported
    with pytest.raises(RecordingExistsError, match=r"imp-001 already holds a recording"):
        import_bag(bag, config, prefix="imp", dash_root=uri)

import pytest

from ml_dash_ros.tracks import Experiment


@pytest.fixture
def exp(tmp_path):
    """Return an open Experiment that is closed after the test."""
    experiment = Experiment("cams/test", dash_root=tmp_path / "dash").open()
    yield experiment
    experiment.close()

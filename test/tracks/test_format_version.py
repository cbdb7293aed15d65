"""The format version: written into experiment.json and every segment; a newer one is refused."""

import json

import pyarrow.parquet as pq
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import FormatVersionError
from ml_dash_ros.tracks.store import layout
from ml_dash_ros.tracks.store.contract import FORMAT_KEY, FORMAT_VERSION


@pytest.fixture
def recorded(tmp_path):
    with Experiment("v", dash_root=tmp_path).run as exp:
        exp.tracks("robot").append(x=1.0, _ts=1.0)
    return exp


def test_segments_carry_the_format_version(recorded):
    (seg,) = layout.scan_segments(recorded.tracks("robot").path)
    assert pq.read_metadata(seg.path).metadata[FORMAT_KEY] == str(FORMAT_VERSION).encode()


def test_experiment_json_carries_the_format_version(recorded):
    assert recorded.status()["format"] == FORMAT_VERSION


def test_a_segment_of_a_newer_format_is_refused_naming_it(recorded, tmp_path):
    (seg,) = layout.scan_segments(recorded.tracks("robot").path)
    table = pq.read_table(seg.path)
    newer = table.schema.with_metadata({FORMAT_KEY: str(FORMAT_VERSION + 1).encode()})
    pq.write_table(table.cast(newer), seg.path)
    with pytest.raises(FormatVersionError, match=f"{seg.path.name}.*format {FORMAT_VERSION + 1}"):
        Experiment("v", dash_root=tmp_path).tracks("robot").read()


def test_appending_to_a_newer_format_recording_is_refused(recorded, tmp_path):
    status = recorded.path / "experiment.json"
    status.write_text(json.dumps({**json.loads(status.read_text()), "format": 99}))
    with pytest.raises(FormatVersionError, match="format 99; this ml_dash_ros reads format"):
        Experiment("v", dash_root=tmp_path).open()

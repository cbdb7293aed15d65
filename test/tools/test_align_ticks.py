"""Align ticking on a track's own stamps (a camera's frames), and a camera's frame_index.

Camera ``cam``: 12 mono8 frames at 0.95 + i / 10 (0.95 .. 2.05), frame_index i.
Track ``robot``: 100 rows at 1.0 + k / 100 (1.0 .. 1.99) with ``k`` and ``q = [k, -k]``.
Common range [1.0, 1.99]: frames 1 .. 10. Track ``base``: static (one row at ``_ts`` 0).
"""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import TrackNotFoundError
from ml_dash_ros.tools.align import METADATA_KEY, align
from ml_dash_ros.tools.dataset import Dataset
from test.tools.conftest import run_cli
from test.video.support import image, image_fields, record

PREFIX = "cams/ticks"
FRAMES = [0.95 + i / 10 for i in range(12)]
ROBOT = [1.0 + k / 100 for k in range(100)]


def _record(root, prefix):
    exp = Experiment(prefix, dash_root=root).open()
    record(exp, "cam", [(image_fields(image("mono8", i), "mono8"), ts)
                        for i, ts in enumerate(FRAMES)])
    exp.tracks("robot").append_batch([{"_ts": ts, "k": k, "q": [float(k), -float(k)]}
                                      for k, ts in enumerate(ROBOT)])
    exp.tracks("base").append(_ts=0.0, x=1.0)
    exp.close()


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """Return a dash_root holding PREFIX and two episodes cams/ep-1, cams/ep-2 alike."""
    root = tmp_path_factory.mktemp("ticks")
    for prefix in (PREFIX, "cams/ep-1", "cams/ep-2"):
        _record(root, prefix)
    return root


@pytest.fixture
def exp(root):
    return Experiment(PREFIX, dash_root=root)


def test_ticks_on_a_camera_give_one_row_per_frame_in_the_common_range(exp):
    table = align(exp, ["robot", "cam"], ticks="cam")
    assert table.column("_ts").to_pylist() == FRAMES[1:11]


def test_each_row_holds_the_joint_state_at_its_frame(exp):
    table = align(exp, ["robot", "cam"], ticks="cam")
    expected = [int(np.searchsorted(ROBOT, ts, side="right")) - 1 for ts in FRAMES[1:11]]
    assert table.column("robot/k").to_pylist() == expected


def test_ticks_on_a_camera_give_each_row_its_own_frame_index(exp):
    table = align(exp, ["robot", "cam"], ticks="cam", method="linear")
    assert table.column("cam/frame_index").to_pylist() == list(range(1, 11))


def test_the_ticks_track_need_not_be_among_the_aligned_tracks(exp):
    table = align(exp, ["robot"], ticks="cam")
    assert table.column_names == ["_ts", "robot/_ts", "robot/k", "robot/q"]


def test_the_track_api_align_ticks_on_a_track(exp):
    table = exp.tracks.align(["robot"], ticks="cam")
    assert table.column("_ts").to_pylist() == FRAMES[1:11]


def test_start_and_end_narrow_the_ticks_of_a_track(exp):
    table = align(exp, ["robot"], ticks="cam", start=1.3, end=1.6)
    assert table.column("_ts").to_pylist() == FRAMES[4:7]


def test_the_metadata_names_the_ticks_track(exp):
    table = align(exp, ["robot"], ticks="cam")
    meta = json.loads(table.schema.metadata[METADATA_KEY])
    assert (meta["ticks"], meta["hz"]) == ("cam", None)


def _expected_index(method, ticks):
    stamps = np.array(FRAMES)
    before = np.searchsorted(stamps, ticks, side="right") - 1
    if method != "nearest":
        return before.tolist()
    after = np.minimum(before + 1, len(stamps) - 1)
    closer = np.abs(stamps[after] - ticks) < np.abs(ticks - stamps[before])
    return np.where(closer, after, before).tolist()


@pytest.mark.parametrize("method, expected", [("asof", "asof"), ("nearest", "nearest"),
                                              ("linear", "asof")])
def test_a_camera_frame_index_follows_the_method_and_is_never_blended(exp, method, expected):
    table = align(exp, ["robot", "cam"], hz=40, method=method)
    ticks = table.column("_ts").to_numpy()
    assert table.column("cam/frame_index").to_pylist() == _expected_index(expected, ticks)


def test_a_camera_frame_index_stays_an_integer_column_under_linear(exp):
    table = align(exp, ["robot", "cam"], hz=40, method="linear")
    assert str(table.schema.field("cam/frame_index").type) == "int64"


@pytest.mark.parametrize("kwargs, error, match", [
    ({"hz": 10, "ticks": "cam"}, ValueError, "exactly one of hz .* got hz=10 and ticks='cam'"),
    ({}, ValueError, "exactly one of hz .* got neither"),
    ({"ticks": ""}, ValueError, "ticks must be a track name"),
    ({"ticks": "nope"}, TrackNotFoundError, "no track 'nope'"),
    ({"ticks": "base"}, ValueError, "ticks track 'base' is static"),
    ({"ticks": "cam", "start": 1.96, "end": 1.99}, ValueError, "'cam' has no row between"),
])
def test_a_wrong_choice_of_ticks_is_refused_clearly(exp, kwargs, error, match):
    with pytest.raises(error, match=match):
        align(exp, ["robot"], **kwargs)


def test_a_dataset_aligns_every_episode_on_its_camera_frames(root):
    table = Dataset("cams/ep-*", dash_root=root).align(["robot", "cam"], ticks="cam")
    assert table.column("cam/frame_index").to_pylist() == list(range(1, 11)) * 2


def test_the_align_command_ticks_on_a_track(root, tmp_path):
    out = tmp_path / "aligned.parquet"
    proc = run_cli("align", PREFIX, "--dash-root", root, "--tracks", "robot,cam",
                   "--ticks", "cam", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert pq.read_table(out).column("_ts").to_pylist() == FRAMES[1:11]


def test_the_align_command_refuses_hz_with_ticks(root, tmp_path):
    proc = run_cli("align", PREFIX, "--dash-root", root, "--tracks", "robot", "--hz", "10",
                   "--ticks", "cam", "--out", tmp_path / "a.parquet")
    assert proc.returncode == 2
    assert "not allowed with argument" in proc.stderr

"""Cameras and exp.files of a recording in a bucket: read back as from the local disk.

A camera's video segments and the files saved with ``exp.files`` are whole files (a decoder
or an image reader opens a path), so a reader fetches each object it needs once, whole, into
a temporary directory of its process; the LeRobot export and ``frames`` read cameras that way.
"""

import json

import numpy as np
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import NotFoundError
from ml_dash_ros.tools.lerobot import export_lerobot, parse_lerobot_config
from ml_dash_ros.tracks.store.s3_storage import fetch_stats
from ml_dash_ros.video.frames import Frames
from test.remote.conftest import upload
from test.tools.conftest import run_cli
from test.video.support import image, image_fields, record, smooth

STAMPS = 100.0 + np.arange(30) / 30


@pytest.fixture
def recorded(tmp_path, bucket):
    """Record 'lab/pick-001' locally (a lossless camera, an rgb8 camera, a robot track and
    two saved files), upload it; return the dash_root URI and the local root."""
    local = tmp_path / "local"
    with Experiment("lab/pick-001", dash_root=local).run as exp:
        exp.params.set(task="pick")
        exp.tracks("robot").append_batch({"_ts": STAMPS, "q": np.stack([STAMPS] * 3, 1)})
        record(exp, "depth", [(image_fields(image("16UC1", k), "16UC1"), float(t))
                              for k, t in enumerate(STAMPS[:5])])
        record(exp, "cam/color", [(image_fields(smooth(k), "rgb8"), float(t))
                                  for k, t in enumerate(STAMPS)])
        exp.files("plots").save(b"plot bytes", to="a/b.bin")
        exp.files("frames").save_image(image("rgb8", 7), to="f.png")
    upload(local / "lab", bucket, "runs/lab")
    return f"s3://{bucket}/runs", local


def test_a_cameras_frames_read_back_from_the_bucket(recorded):
    uri, local = recorded
    exp = Experiment("lab/pick-001", dash_root=uri)
    assert not (exp.path / "files").exists()          # nothing of it is on this machine
    fetch_stats.reset()
    frame = Frames(exp, "depth").at(STAMPS[3])
    assert frame.image.tobytes() == image("16UC1", 3).tobytes()
    assert fetch_stats.bytes > 0
    assert Frames(exp, "depth").at(STAMPS[3]).image.tobytes() == frame.image.tobytes()


def test_a_segment_is_fetched_once_per_process(recorded):
    uri, _ = recorded
    frames = Frames(Experiment("lab/pick-001", dash_root=uri), "depth")
    frames.at(STAMPS[0])
    fetch_stats.reset()
    frames.at(STAMPS[4])
    assert fetch_stats.bytes == 0


def test_files_list_and_read_from_the_bucket(recorded):
    uri, local = recorded
    exp = Experiment("lab/pick-001", dash_root=uri)
    assert exp.files("plots").list() == Experiment("lab/pick-001", dash_root=local) \
        .files("plots").list() == [{"name": "a/b.bin", "size": 10}]
    assert exp.files("plots").read("a/b.bin") == b"plot bytes"
    assert exp.files("frames").read_image("f.png").tobytes() == image("rgb8", 7).tobytes()


def test_a_missing_file_in_the_bucket_names_the_files_there(recorded):
    uri, _ = recorded
    with pytest.raises(NotFoundError, match=r"no file 'a/c.bin' .*files: a/b\.bin"):
        Experiment("lab/pick-001", dash_root=uri).files("plots").read("a/c.bin")


def test_frames_cli_saves_a_frame_from_the_bucket(recorded, tmp_path):
    uri, _ = recorded
    out = tmp_path / "f.png"
    proc = run_cli("frames", "--dash-root", uri, "lab/pick-001", "depth", "--at",
                   str(STAMPS[2]), "--out", out)
    assert proc.returncode == 0, proc.stderr
    from PIL import Image
    assert np.asarray(Image.open(out)).tobytes() == image("16UC1", 2).tobytes()


def test_lerobot_export_reads_cameras_from_the_bucket(recorded, tmp_path):
    uri, local = recorded
    config = parse_lerobot_config({"fps": 10, "features": {
        "observation.state": {"track": "robot", "columns": ["q"]},
        "observation.images.front": {"camera": "cam/color"}}})
    export_lerobot("lab/*", tmp_path / "from-bucket", config=config, dash_root=uri)
    export_lerobot("lab/*", tmp_path / "from-disk", config=config, dash_root=local)
    info = [json.loads((tmp_path / side / "meta" / "info.json").read_text())
            for side in ("from-bucket", "from-disk")]
    assert info[0] == info[1] and info[0]["total_frames"] >= 9
    video = "videos/observation.images.front/chunk-000/file-000.mp4"
    levels = [_blue_levels(tmp_path / side / video) for side in ("from-bucket", "from-disk")]
    assert len(levels[0]) == info[0]["total_frames"]
    np.testing.assert_allclose(levels[0], levels[1], atol=1)


def _blue_levels(path):
    import av
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24")[..., 2].mean() for frame in container.decode()]

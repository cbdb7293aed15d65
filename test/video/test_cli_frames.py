"""``ml-dash-ros frames``: a camera's frame at a stamp, or a window of frames, as files."""

import numpy as np
import pytest
from PIL import Image

from ml_dash_ros.tracks import Experiment
from test.tools.conftest import run_cli
from test.video.support import image, image_fields, record


@pytest.fixture
def dash_root(tmp_path):
    """Record a 16UC1 and a 32FC1 camera of five frames at stamps 10..14."""
    root = tmp_path / "dash"
    exp = Experiment("cams/cli", dash_root=root).open()
    record(exp, "depth", [(image_fields(image("16UC1", i), "16UC1"), 10.0 + i) for i in range(5)])
    record(exp, "float", [(image_fields(image("32FC1", i), "32FC1"), 10.0 + i) for i in range(5)])
    exp.close()
    return root


def test_frames_at_saves_the_nearest_frame_as_a_png(dash_root, tmp_path):
    out = tmp_path / "f.png"
    proc = run_cli("frames", "--dash-root", dash_root, "cams/cli", "depth", "--at", "12.4",
                   "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert np.asarray(Image.open(out)).tobytes() == image("16UC1", 2).tobytes()


def test_frames_window_saves_one_file_per_frame(dash_root, tmp_path):
    proc = run_cli("frames", "--dash-root", dash_root, "cams/cli", "float", "--start", "+1",
                   "--end", "+3", "--out", tmp_path / "w", "--suffix", ".npy")
    assert proc.returncode == 0, proc.stderr
    assert [np.load(p).tobytes() for p in sorted((tmp_path / "w").iterdir())] == [
        image("32FC1", i).tobytes() for i in (1, 2, 3)]


def test_a_float_frame_as_png_is_refused_in_one_line(dash_root, tmp_path):
    proc = run_cli("frames", "--dash-root", dash_root, "cams/cli", "float", "--at", "10",
                   "--out", tmp_path / "f.png")
    assert (proc.returncode, proc.stderr.strip().count("\n")) == (1, 0), proc.stderr
    assert "float32 image cannot be a PNG; use .npy" in proc.stderr

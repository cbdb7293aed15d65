"""exp.files(prefix): the seeds' files API — images and bytes stored inside the experiment."""

import numpy as np
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import FieldTypeError, InvalidNameError, NotFoundError


@pytest.fixture
def exp(tmp_path):
    return Experiment("cam/run", dash_root=tmp_path)


def _image(shape):
    rng = np.random.default_rng(7)
    return rng.integers(0, 256, size=shape, dtype=np.uint8)


@pytest.mark.parametrize("shape", [(24, 32), (24, 32, 3), (24, 32, 4)])
def test_a_png_reads_back_exactly(exp, shape):
    frame = _image(shape)
    exp.files("frames").save_image(frame, to="frame_00001.png")
    assert np.array_equal(exp.files("frames").read_image("frame_00001.png"), frame)


def test_a_jpeg_reads_back_within_the_codecs_error(exp):
    frame = np.full((32, 32, 3), 120, dtype=np.uint8)
    frame[8:24, 8:24] = 200
    exp.files("frames").save_image(frame, to="frame.jpg")
    back = exp.files("frames").read_image("frame.jpg")
    assert back.shape == frame.shape
    assert np.abs(back.astype(int) - frame).mean() < 4


def test_the_seeds_loop_pairs_frames_with_a_track(exp):
    with exp.run:
        for step in range(3):
            fname = f"frame_{step:05d}.png"
            exp.files("frames").save_image(_image((8, 8, 3)), to=fname)
            exp.tracks("robot/pose").append(frame=fname, q=[0.1 * step], _ts=step / 30.0)
    names = [row["frame"] for row in exp.tracks("robot/pose").read()["entries"]]
    assert [f["name"] for f in exp.files("frames").list()] == names


def test_bytes_and_a_path_are_saved_as_they_are(exp, tmp_path):
    source = tmp_path / "model.bin"
    source.write_bytes(b"\x00weights\xff")
    exp.files("models").save(source, to="policy/model.bin")
    exp.files("models").save(b"notes", to="notes.txt")
    assert exp.files("models").read("policy/model.bin") == b"\x00weights\xff"
    with exp.files("models").open("notes.txt") as fh:
        assert fh.read() == b"notes"


def test_files_live_inside_the_experiment(exp):
    exp.files("frames").save(b"x", to="a/b.bin")
    assert (exp.path / "files" / "frames" / "a" / "b.bin").read_bytes() == b"x"


def test_a_write_leaves_no_temporary_file(exp):
    exp.files().save(b"x" * 1000, to="big.bin")
    assert [p.name for p in (exp.path / "files").iterdir()] == ["big.bin"]


@pytest.mark.parametrize("name", ["../escape.png", "/etc/passwd.png", "a/../../b.png",
                                  "a\0b.png", "", "a//b.png", "a\\b.png", "./a.png"])
def test_a_name_that_could_leave_the_experiment_is_refused(exp, name):
    with pytest.raises(InvalidNameError):
        exp.files("frames").save_image(_image((4, 4)), to=name)
    assert not (exp.path / "files").exists()


@pytest.mark.parametrize("prefix", ["..", "/abs", "a/../.."])
def test_a_prefix_that_could_leave_the_experiment_is_refused(exp, prefix):
    with pytest.raises(InvalidNameError):
        exp.files(prefix)


@pytest.mark.parametrize("image, name", [
    (np.zeros((4, 4), dtype=np.float32), "f.png"),
    (np.zeros((4, 4, 2), dtype=np.uint8), "f.png"),
    (np.zeros((4, 4, 4), dtype=np.uint8), "f.jpg"),
])
def test_an_image_that_cannot_be_stored_is_refused(exp, image, name):
    with pytest.raises(FieldTypeError):
        exp.files().save_image(image, to=name)


def test_an_unknown_image_extension_is_refused(exp):
    with pytest.raises(InvalidNameError, match="must end in one of"):
        exp.files().save_image(_image((4, 4)), to="frame.bmp")


def test_reading_a_missing_file_names_it(exp):
    exp.files("frames").save(b"x", to="there.bin")
    with pytest.raises(NotFoundError, match="no file 'missing.png'.*there.bin"):
        exp.files("frames").read_image("missing.png")


def test_files_do_not_show_up_as_experiments(exp, tmp_path):
    from ml_dash_ros.tools.inventory import find_experiments
    exp.files("tracks").save(b"x", to="experiment.json")
    exp.tracks("robot").append(x=1.0, _ts=0.0)
    exp.tracks.flush()
    assert [e for e in find_experiments(tmp_path)] == ["cam/run"]

"""Decoded frames beside an aligned table: ``with_frames`` adds a camera's image per row.

Camera ``cam``: 8 lossless mono8 frames at 1.0 + i / 10, frame_index i (image seed i).
Track ``robot``: rows at 0.9 + k / 100, before the first frame and past the last.
"""

import io

import pyarrow.parquet as pq
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import ColumnNotFoundError, NotFoundError
from ml_dash_ros.tools.align import align
from ml_dash_ros.tools.dataset import Dataset
from ml_dash_ros.video.aligned import with_frames
from ml_dash_ros.video.frames import Frames
from test.video.support import image, image_fields, record


@pytest.fixture(scope="module")
def exp(tmp_path_factory):
    root = tmp_path_factory.mktemp("frames")
    recording = Experiment("cams/frames", dash_root=root).open()
    record(recording, "cam", [(image_fields(image("mono8", i), "mono8"), 1.0 + i / 10)
                              for i in range(8)])
    recording.tracks("robot").append_batch([{"_ts": 0.9 + k / 100, "k": k}
                                            for k in range(100)])
    recording.close()
    return Experiment("cams/frames", dash_root=root)


def test_the_image_of_each_row_is_the_frame_of_its_index(exp):
    table = with_frames(align(exp, ["robot", "cam"], hz=25, method="nearest"), exp, "cam")
    images = table.column("cam/image").combine_chunks().to_numpy_ndarray()
    indices = table.column("cam/frame_index").to_pylist()
    assert [a.tobytes() for a in images] == [image("mono8", i).tobytes() for i in indices]


def test_the_images_stack_to_one_array_of_rows_by_height_by_width(exp):
    table = with_frames(align(exp, ["robot", "cam"], ticks="cam"), exp, "cam")
    assert table.column("cam/image").combine_chunks().to_numpy_ndarray().shape == (8, 48, 64)


def test_the_image_column_follows_the_frame_index(exp):
    table = with_frames(align(exp, ["robot", "cam"], ticks="cam"), exp, "cam")
    names = table.column_names
    assert names[names.index("cam/frame_index") + 1] == "cam/image"


def test_a_row_without_a_frame_gets_a_null_image(exp):
    table = with_frames(align(exp, ["robot", "cam"], hz=20, start=0.92, end=1.25), exp, "cam")
    nulls = table.column("cam/image").is_null().to_pylist()
    assert nulls == [True, True, False, False, False, False, False]


def test_a_table_with_images_writes_to_parquet_and_reads_back(exp):
    table = with_frames(align(exp, ["robot", "cam"], ticks="cam"), exp, "cam")
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    back = pq.read_table(io.BytesIO(buffer.getvalue())).column("cam/image").combine_chunks()
    assert back.to_numpy_ndarray().tobytes() == \
        table.column("cam/image").combine_chunks().to_numpy_ndarray().tobytes()


def test_a_table_without_the_frame_index_is_refused_naming_the_column(exp):
    with pytest.raises(ColumnNotFoundError, match="no column 'cam/frame_index'"):
        with_frames(align(exp, ["robot"], ticks="cam"), exp, "cam")


def test_frames_of_two_sizes_are_refused_naming_the_shapes(tmp_path):
    recording = Experiment("cams/sizes", dash_root=tmp_path).open()
    record(recording, "cam", [(image_fields(image("mono8", 1, 32, 24), "mono8"), 1.0),
                              (image_fields(image("mono8", 2), "mono8"), 1.1)])
    recording.close()
    exp = Experiment("cams/sizes", dash_root=tmp_path)
    with pytest.raises(ValueError, match=r"differ in shape or type \(\(24, 32\) \|u1, "):
        with_frames(align(exp, ["cam"], ticks="cam"), exp, "cam")


def test_by_index_refuses_an_index_the_camera_does_not_hold(exp):
    with pytest.raises(NotFoundError, match="no frame_index 8"):
        Frames(exp, "cam").by_index([8])


def test_by_index_gives_the_frames_in_the_order_asked(exp):
    frames = Frames(exp, "cam").by_index([5, 2, 5])
    assert [f.image.tobytes() for f in frames] == [image("mono8", i).tobytes()
                                                   for i in (5, 2, 5)]


@pytest.fixture(scope="module")
def episodes(tmp_path_factory):
    """Return a dash_root with cams/ep-1 and cams/ep-2: 4 frames each, seeds 10e + i."""
    root = tmp_path_factory.mktemp("episodes")
    for episode in (1, 2):
        recording = Experiment(f"cams/ep-{episode}", dash_root=root).open()
        record(recording, "cam", [(image_fields(image("mono8", 10 * episode + i), "mono8"),
                                   1.0 + i / 10) for i in range(4)])
        recording.close()
    return root


def test_a_dataset_table_gets_each_row_s_frame_from_its_own_episode(episodes):
    dataset = Dataset("cams/ep-*", dash_root=episodes)
    table = dataset.with_frames(dataset.align(["cam"], ticks="cam"), "cam")
    images = table.column("cam/image").combine_chunks().to_numpy_ndarray()
    seeds = [10 * e + i for e in (1, 2) for i in range(4)]
    assert [a.tobytes() for a in images] == [image("mono8", s).tobytes() for s in seeds]


def test_a_dataset_refuses_a_table_without_episodes(episodes):
    dataset = Dataset("cams/ep-*", dash_root=episodes)
    exp = Experiment("cams/ep-1", dash_root=episodes)
    with pytest.raises(ColumnNotFoundError, match="no column 'episode_index'"):
        dataset.with_frames(align(exp, ["cam"], ticks="cam"), "cam")

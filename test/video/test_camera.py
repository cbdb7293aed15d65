"""A camera recorded as video segments and read back as arrays (no ROS: converted fields)."""

import av
import numpy as np
import pytest

from ml_dash_ros.errors import NotFoundError
from ml_dash_ros.video import Cameras, VideoSettings
from ml_dash_ros.video.frames import Frames

from test.video.support import compressed_fields, image, image_fields, record, smooth

LOSSLESS = [("mono8", "h264"), ("mono16", "h264"), ("16UC1", "h264"), ("32FC1", "h264"),
            ("rgb8", "ffv1"), ("bgr8", "ffv1"), ("rgba8", "ffv1")]


@pytest.mark.parametrize("encoding, codec", LOSSLESS)
def test_lossless_frames_read_back_exactly(exp, encoding, codec):
    images = [image(encoding, seed) for seed in range(5)]
    record(exp, "cam", [(image_fields(a, encoding), 10.0 + i / 30) for i, a in enumerate(images)],
           VideoSettings(codec=codec))
    frames = Frames(exp, "cam").window()
    assert [f.image.tobytes() for f in frames] == [a.tobytes() for a in images]


def test_colour_frames_default_to_h264_within_its_error(exp):
    images = [smooth(seed) for seed in range(5)]
    record(exp, "cam", [(image_fields(a, "rgb8"), 10.0 + i / 30) for i, a in enumerate(images)])
    frames = Frames(exp, "cam").window()
    errors = [np.abs(f.image.astype(int) - a).mean() for f, a in zip(frames, images)]
    assert max(errors) < 4.0           # a neighbouring frame is 13 levels away on average


def test_a_row_says_where_its_frame_is_and_holds_no_pixels(exp):
    rows = record(exp, "cam", [(image_fields(image("mono8", i), "mono8"), 1.0 + i)
                               for i in range(2)])
    assert rows[1] == {"header.frame_id": "cam", "height": 48, "width": 64, "encoding": "mono8",
                       "frame_index": 1, "file": "files/video/cam/seg-000001.mkv",
                       "position": 1, "_recv_ts": 0.5}


def test_a_stamp_past_segment_seconds_starts_a_new_segment(exp):
    frames = [(image_fields(image("mono8", i), "mono8"), 1.0 + 0.4 * i) for i in range(6)]
    rows = record(exp, "cam", frames, VideoSettings(segment_seconds=1.0))
    assert [(r["file"][-14:], r["position"]) for r in rows] == [
        ("seg-000001.mkv", 0), ("seg-000001.mkv", 1), ("seg-000001.mkv", 2),
        ("seg-000002.mkv", 0), ("seg-000002.mkv", 1), ("seg-000002.mkv", 2)]


def test_a_resolution_change_starts_a_new_segment_and_both_sizes_read_back(exp):
    small, large = image("16UC1", 1, 32, 24), image("16UC1", 2, 80, 60)
    rows = record(exp, "cam", [(image_fields(small, "16UC1"), 1.0),
                               (image_fields(large, "16UC1"), 1.1)])
    assert rows[1]["file"].endswith("seg-000002.mkv")
    assert [f.image.shape for f in Frames(exp, "cam").window()] == [(24, 32), (60, 80)]


def test_an_encoding_change_starts_a_new_segment_and_both_read_back(exp):
    mono, depth = image("mono8", 1), image("32FC1", 2)
    record(exp, "cam", [(image_fields(mono, "mono8"), 1.0), (image_fields(depth, "32FC1"), 1.1)])
    frames = Frames(exp, "cam").window()
    assert [f.image.tobytes() for f in frames] == [mono.tobytes(), depth.tobytes()]


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_compressed_images_are_kept_byte_for_byte(exp, fmt):
    given = [compressed_fields(smooth(i), fmt) for i in range(3)]
    record(exp, "cam", [(fields, 1.0 + i) for i, fields in enumerate(given)])
    frames = Frames(exp, "cam").window(raw=True)
    assert [f.image for f in frames] == [fields["data"] for fields in given]


def test_a_compressed_png_decodes_to_the_array_it_holds(exp):
    array = smooth(3)
    record(exp, "cam", [(compressed_fields(array, "png"), 1.0)])
    assert Frames(exp, "cam").at(1.0).image.tobytes() == array.tobytes()


def test_at_gives_the_nearest_frame_and_before_the_last_at_or_before(exp):
    record(exp, "cam", [(image_fields(image("mono8", i), "mono8"), float(i)) for i in range(4)])
    frames = Frames(exp, "cam")
    assert (frames.at(1.8).frame_index, frames.at(1.8, how="before").frame_index) == (2, 1)


def test_window_gives_the_frames_between_its_bounds(exp):
    record(exp, "cam", [(image_fields(image("mono8", i), "mono8"), float(i)) for i in range(6)])
    assert [f.frame_index for f in Frames(exp, "cam").window(1.5, 4.0)] == [2, 3, 4]


def test_a_full_queue_refuses_frames_and_counts_them(exp):
    cameras = Cameras(exp.files("video").directory)
    camera = cameras.camera("cam", VideoSettings(codec="ffv1", queue=2))
    big = image_fields(image("rgb8", 0, 640, 480), "rgb8")
    accepted = [row for row in (camera.submit(big, i / 30) for i in range(100)) if row]
    cameras.close()
    assert (camera.counts.refused, len(accepted)) == (100 - camera.counts.frames,
                                                      camera.counts.frames)
    assert camera.counts.refused > 0


@pytest.mark.parametrize("fields", [
    {"height": 2, "width": 2, "encoding": "yuv422", "step": 4, "data": bytes(8)},
    {"height": 2, "width": 2, "encoding": "mono8", "step": 2, "data": bytes(3)},
    {"format": "jpeg", "data": b"not a jpeg"},
    {"format": "16UC1; compressedDepth png", "data": b"\x00" * 20},
])
def test_an_image_that_cannot_be_stored_is_counted_and_gives_no_row(exp, fields):
    cameras = Cameras(exp.files("video").directory)
    camera = cameras.camera("cam", VideoSettings())
    row = camera.submit(fields, 1.0)
    cameras.close()
    assert (row, camera.counts.invalid) == (None, 1)


def test_a_frame_in_a_segment_that_was_never_closed_is_refused_clearly(exp):
    record(exp, "cam", [(image_fields(image("mono8", 0), "mono8"), 1.0)])
    path = exp.path / "files/video/cam/seg-000001.mkv"
    path.rename(path.with_name(".seg-000001.mkv.part"))
    with pytest.raises(NotFoundError, match="seg-000001.mkv of track 'cam' was never closed"):
        Frames(exp, "cam").at(1.0)


def test_any_frame_of_a_long_h264_segment_reads_back_alone(exp):
    images = [smooth(i) for i in range(40)]
    record(exp, "cam", [(image_fields(a, "rgb8"), 10.0 + i / 32) for i, a in enumerate(images)],
           VideoSettings(segment_seconds=60))
    frames = Frames(exp, "cam")
    errors = [np.abs(frames.at(10.0 + i / 32).image.astype(int) - images[i]).mean()
              for i in (39, 0, 17, 31, 15, 16)]
    assert max(errors) < 4.0


def test_a_frame_read_alone_is_the_frame_a_full_decode_gives(exp):
    record(exp, "cam", [(image_fields(smooth(i), "rgb8"), 10.0 + i / 32) for i in range(40)],
           VideoSettings(segment_seconds=60))
    with av.open(str(exp.path / "files/video/cam/seg-000001.mkv")) as container:
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    frames = Frames(exp, "cam")
    alone = {i: frames.at(10.0 + i / 32).image for i in (39, 0, 17, 31, 15, 16, 29)}
    assert {i: a.tobytes() for i, a in alone.items()} == {i: decoded[i].tobytes()
                                                          for i in alone}


def test_any_compressed_frame_of_a_segment_reads_back_alone(exp):
    given = [compressed_fields(smooth(i), "png") for i in range(20)]
    record(exp, "cam", [(fields, 10.0 + i / 32) for i, fields in enumerate(given)],
           VideoSettings(segment_seconds=60))
    frames = Frames(exp, "cam")
    assert [frames.at(10.0 + i / 32, raw=True).image for i in (19, 3, 11)] == [
        given[i]["data"] for i in (19, 3, 11)]

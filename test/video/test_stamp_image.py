"""The demo camera's images carry their stamp through the codecs and refuse what they are not."""

import numpy as np
import pytest

from ml_dash_ros.demo import stamp_image
from ml_dash_ros.errors import ConversionError
from ml_dash_ros.video.frames import Frames
from test.video.support import image_fields, record

STAMP = 1_764_064_800_033_333_333
PERIOD = 33_333_333


def _set_cell(image: np.ndarray, index: int, level: int) -> None:
    row, col = divmod(index, stamp_image.COLOR_WIDTH // stamp_image.CELL)
    cell = stamp_image.CELL
    image[row * cell:(row + 1) * cell, col * cell:(col + 1) * cell] = level


@pytest.mark.parametrize("stamp", [0, 1, STAMP, 2**64 - 1])
def test_a_colour_image_reads_back_its_stamp(stamp):
    assert stamp_image.read_color(stamp_image.color_image(stamp)) == stamp


def test_colour_images_keep_their_stamps_through_h264_at_crf_23(exp):
    stamps = [STAMP + i * PERIOD for i in range(20)]
    record(exp, "cam", [(image_fields(stamp_image.color_image(s), "rgb8"), s * 1e-9)
                        for s in stamps])
    frames = Frames(exp, "cam").window()
    assert [stamp_image.read_color(f.image) for f in frames] == stamps


def test_colour_images_keep_their_stamps_in_bgr_and_grey():
    image = stamp_image.color_image(STAMP)
    assert stamp_image.read_color(np.ascontiguousarray(image[..., ::-1])) == STAMP
    assert stamp_image.read_color(image[..., 0]) == STAMP


def test_a_frame_of_grey_noise_is_refused():
    noise = np.random.default_rng(0).integers(100, 150, (480, 640, 3), dtype=np.uint8)
    with pytest.raises(ConversionError, match=r"cell \(0, 0\) is neither black nor white"):
        stamp_image.read_color(noise)


def test_a_flipped_cell_is_refused_by_the_inverted_copy():
    image = stamp_image.color_image(STAMP).copy()
    _set_cell(image, 0, 255 - int(image[0, 0, 0]))
    with pytest.raises(ConversionError, match="inverted copy"):
        stamp_image.read_color(image)


def test_a_stamp_bit_flipped_in_both_copies_is_refused_by_the_checksum():
    image = stamp_image.color_image(STAMP).copy()
    level = int(image[0, 0, 0])
    _set_cell(image, 0, 255 - level)
    _set_cell(image, 96, level)
    with pytest.raises(ConversionError, match="checksum"):
        stamp_image.read_color(image)


def test_a_colour_frame_of_another_size_is_refused():
    with pytest.raises(ConversionError, match="expected 480x640, got 48x64"):
        stamp_image.read_color(np.zeros((48, 64, 3), np.uint8))


@pytest.mark.parametrize("stamp", [-1, 2**64])
def test_a_stamp_out_of_range_is_refused(stamp):
    with pytest.raises(ValueError, match=r"expected an integer in \[0, 2\*\*64\)"):
        stamp_image.color_image(stamp)


def test_depth_images_read_back_exactly_through_ffv1(exp):
    stamps = [STAMP + i * PERIOD for i in range(5)]
    record(exp, "depth", [(image_fields(stamp_image.depth_image(s), "16UC1"), s * 1e-9)
                          for s in stamps])
    frames = Frames(exp, "depth").window()
    assert [stamp_image.read_depth(f.image) for f in frames] == stamps


def test_a_depth_image_with_one_pixel_changed_is_refused():
    image = stamp_image.depth_image(STAMP)
    image[60, 80] += 1
    with pytest.raises(ConversionError, match="1 pixels differ .* index 9680"):
        stamp_image.read_depth(image)


def test_a_depth_image_of_another_type_is_refused():
    with pytest.raises(ConversionError, match="expected 120x160 uint16, got 120x160 float32"):
        stamp_image.read_depth(np.zeros((120, 160), np.float32))

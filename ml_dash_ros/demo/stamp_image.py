"""Camera images that carry their own stamp: drawn for the demo robot, read back by tests.

The colour image (rgb8, 640x480) shows the stamp in nanoseconds as a 16x12 grid of black and
white cells of 40 px: 64 bits of the stamp and a CRC-32 of them, then the same 96 bits
inverted. A frame survives lossy compression (H.264 at crf 23 moves a cell's mean by a few
levels, far from the threshold); ``read_color`` refuses a frame whose cells are not clearly
black or white, or whose checksum or inverted copy disagree. The depth image (16UC1, 160x120)
holds the stamp in its first four pixels (16 bits each, low word first) and a ramp derived from
it everywhere else; ``read_depth`` accepts only the exact image (a lossless codec keeps it).
"""

from __future__ import annotations

import zlib

import numpy as np

from ml_dash_ros.errors import ConversionError

COLOR_WIDTH, COLOR_HEIGHT, CELL = 640, 480, 40
DEPTH_WIDTH, DEPTH_HEIGHT = 160, 120
_COLS, _ROWS = COLOR_WIDTH // CELL, COLOR_HEIGHT // CELL
_BITS = 96                                  # 64 of the stamp, 32 of its CRC-32
_DARK, _LIGHT = 80.0, 175.0                 # a cell's mean must be below / above these
_LEVELS = np.array([0, 255], dtype=np.uint8)
_WORDS = 4
_RAMP = np.add.outer(2 * np.arange(DEPTH_HEIGHT), np.arange(DEPTH_WIDTH))


def _check_stamp(stamp_ns: int) -> int:
    stamp = int(stamp_ns)
    if not 0 <= stamp < 1 << 64:
        raise ValueError(f"stamp {stamp_ns!r}: expected an integer in [0, 2**64)")
    return stamp


def _bits(stamp: int) -> np.ndarray:
    """Return the 192 cell bits of a stamp: stamp and CRC, then both inverted."""
    word = stamp | zlib.crc32(stamp.to_bytes(8, "little")) << 64
    bits = np.array([(word >> i) & 1 for i in range(_BITS)], dtype=np.uint8)
    return np.concatenate([bits, 1 - bits])


def color_image(stamp_ns: int) -> np.ndarray:
    """Return the 480x640x3 uint8 image that shows ``stamp_ns`` (one copy of 0.9 MB)."""
    cells = _LEVELS[_bits(_check_stamp(stamp_ns)).reshape(_ROWS, _COLS)]
    view = np.broadcast_to(cells[:, None, :, None, None], (_ROWS, CELL, _COLS, CELL, 3))
    return view.reshape(COLOR_HEIGHT, COLOR_WIDTH, 3)


def read_color(image: np.ndarray) -> int:
    """Return the stamp (ns) a colour frame shows; ConversionError if it cannot be read."""
    if image.shape[:2] != (COLOR_HEIGHT, COLOR_WIDTH):
        raise ConversionError(f"stamp image: expected {COLOR_HEIGHT}x{COLOR_WIDTH}, got "
                              f"{image.shape[0]}x{image.shape[1]}")
    gray = image.astype(np.float32).mean(axis=-1) if image.ndim == 3 else image
    inner = gray.reshape(_ROWS, CELL, _COLS, CELL)[:, CELL // 4:-CELL // 4, :,
                                                   CELL // 4:-CELL // 4]
    means = inner.mean(axis=(1, 3)).ravel()
    unclear = np.flatnonzero((means > _DARK) & (means < _LIGHT))
    if len(unclear):
        cell = int(unclear[0])
        raise ConversionError(f"stamp image: cell ({cell // _COLS}, {cell % _COLS}) is "
                              f"neither black nor white (mean {means[cell]:.0f})")
    bits = (means >= _LIGHT).astype(np.uint8)
    if np.any(bits[:_BITS] == bits[_BITS:]):
        raise ConversionError("stamp image: the inverted copy of the bits disagrees")
    word = sum(int(b) << i for i, b in enumerate(bits[:_BITS]))
    stamp, crc = word & (1 << 64) - 1, word >> 64
    if zlib.crc32(stamp.to_bytes(8, "little")) != crc:
        raise ConversionError("stamp image: the checksum does not match the stamp")
    return stamp


def depth_image(stamp_ns: int) -> np.ndarray:
    """Return the 120x160 uint16 depth image of ``stamp_ns``: its words, then a ramp."""
    stamp = _check_stamp(stamp_ns)
    image = (500 + (_RAMP + stamp // 1_000_000) % 4000).astype(np.uint16)
    image.flat[:_WORDS] = [(stamp >> (16 * i)) & 0xFFFF for i in range(_WORDS)]
    return image


def read_depth(image: np.ndarray) -> int:
    """Return the stamp (ns) of a depth frame; ConversionError unless it is exactly one."""
    if image.shape != (DEPTH_HEIGHT, DEPTH_WIDTH) or image.dtype != np.uint16:
        raise ConversionError(f"depth stamp image: expected {DEPTH_HEIGHT}x{DEPTH_WIDTH} "
                              f"uint16, got {'x'.join(map(str, image.shape))} {image.dtype}")
    stamp = sum(int(image.flat[i]) << (16 * i) for i in range(_WORDS))
    wrong = np.flatnonzero(image != depth_image(stamp))
    if len(wrong):
        raise ConversionError(f"depth stamp image: {len(wrong)} pixels differ from the image "
                              f"of stamp {stamp} (the first at index {int(wrong[0])})")
    return stamp

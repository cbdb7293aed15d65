"""ROS image encodings as numpy arrays and as the pixel formats FFmpeg encodes and decodes.

A ``sensor_msgs/Image`` becomes an array of shape HxW (one channel) or HxWxC; ``32FC1`` is
stored losslessly as its raw bits: two 16-bit grey columns per pixel, read back exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ml_dash_ros.errors import ConversionError


@dataclass(frozen=True)
class Pixels:
    """How one ROS encoding is held in memory and handed to FFmpeg."""

    dtype: str
    channels: int
    av_format: str          # the frame format FFmpeg takes and gives back
    colour: bool            # True: the lossy default applies; False: always lossless ffv1


ENCODINGS = {
    "rgb8": Pixels("uint8", 3, "rgb24", True),
    "bgr8": Pixels("uint8", 3, "bgr24", True),
    "8UC3": Pixels("uint8", 3, "bgr24", True),
    "rgba8": Pixels("uint8", 4, "rgba", True),
    "bgra8": Pixels("uint8", 4, "bgra", True),
    "mono8": Pixels("uint8", 1, "gray", False),
    "8UC1": Pixels("uint8", 1, "gray", False),
    "mono16": Pixels("uint16", 1, "gray16le", False),
    "16UC1": Pixels("uint16", 1, "gray16le", False),
    "32FC1": Pixels("float32", 1, "gray16le", False),
}


def pixels_of(encoding: str) -> Pixels:
    """Return the layout of a ROS encoding, or raise ConversionError naming the known ones."""
    try:
        return ENCODINGS[encoding]
    except KeyError:
        raise ConversionError(f"image encoding {encoding!r} cannot be recorded as video; "
                              f"known: {', '.join(ENCODINGS)}") from None


def image_array(width: int, height: int, encoding: str, step: int, data: Any,
                is_bigendian: int = 0) -> np.ndarray:
    """Return an Image message's pixels as an array (rows may be padded: ``step``)."""
    pixels = pixels_of(encoding)
    dtype = np.dtype(pixels.dtype).newbyteorder(">" if is_bigendian else "<")
    row = width * pixels.channels * dtype.itemsize
    buffer = np.frombuffer(data, dtype=np.uint8)
    if step < row or buffer.size < step * height:
        raise ConversionError(f"image {width}x{height} {encoding}: {buffer.size} bytes with "
                              f"step {step}, expected at least {row} per row")
    rows = buffer[:step * height].reshape(height, step)[:, :row]
    array = np.ascontiguousarray(rows).view(dtype).astype(dtype.newbyteorder("="), copy=False)
    shape = (height, width) if pixels.channels == 1 else (height, width, pixels.channels)
    return array.reshape(shape)


def to_planes(array: np.ndarray, encoding: str) -> np.ndarray:
    """Return the array FFmpeg is given for an image (32FC1: its bits as 16-bit grey)."""
    if encoding == "32FC1":
        return np.ascontiguousarray(array, dtype="<f4").view("<u2")
    return np.ascontiguousarray(array)


def from_planes(planes: np.ndarray, encoding: str) -> np.ndarray:
    """Return an image from what FFmpeg decoded (inverse of ``to_planes``)."""
    if encoding == "32FC1":
        return np.ascontiguousarray(planes, dtype="<u2").view("<f4")
    return planes

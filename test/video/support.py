"""Images as converted Image / CompressedImage fields, and a camera recording helper."""

import io

import numpy as np

from ml_dash_ros.video import Cameras, VideoSettings

DTYPES = {"rgb8": ("uint8", 3), "bgr8": ("uint8", 3), "mono8": ("uint8", 1),
          "mono16": ("uint16", 1), "16UC1": ("uint16", 1), "32FC1": ("float32", 1),
          "rgba8": ("uint8", 4)}


def image(encoding: str, seed: int, width: int = 64, height: int = 48) -> np.ndarray:
    """Return a random image of an encoding (for lossless checks: noise, every value used)."""
    dtype, channels = DTYPES[encoding]
    rng = np.random.default_rng(seed)
    shape = (height, width) if channels == 1 else (height, width, channels)
    if dtype == "float32":
        return rng.normal(1.5, 2.0, shape).astype(np.float32)
    return rng.integers(0, np.iinfo(dtype).max, shape, dtype=dtype, endpoint=True)


def smooth(seed: int, width: int = 64, height: int = 48) -> np.ndarray:
    """Return an rgb8 image a lossy codec keeps close (gradients, a level set by seed)."""
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 // width, y * 255 // height, np.full_like(x, seed * 40 % 256)], -1)
    return base.astype(np.uint8)


def image_fields(array: np.ndarray, encoding: str, frame_id: str = "cam") -> dict:
    """Return the fields the pipeline gives for a sensor_msgs/Image of ``array``."""
    height, width = array.shape[:2]
    return {"header.frame_id": frame_id, "height": height, "width": width,
            "encoding": encoding, "is_bigendian": 0, "step": array.strides[0],
            "data": array.tobytes(), "_recv_ts": 0.5}


def compressed_fields(array: np.ndarray, fmt: str) -> dict:
    """Return the fields of a sensor_msgs/CompressedImage holding ``array`` as jpeg or png."""
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(array).save(out, format="PNG" if fmt == "png" else "JPEG")
    return {"header.frame_id": "cam", "format": fmt, "data": out.getvalue(), "_recv_ts": 0.5}


def record(exp, track: str, frames: list, settings: VideoSettings = VideoSettings()) -> list:
    """Record (fields, ts) frames of one camera into exp; return the rows written."""
    cameras = Cameras(exp.files("video").directory)
    camera = cameras.camera(track, settings)
    rows = []
    for fields, ts in frames:
        row = camera.submit(fields, ts)
        if row is not None:
            exp.tracks(track).append(_ts=ts, **row)
            rows.append(row)
    cameras.close()
    return rows


def frame_image(encoding: str, i: int, width: int = 64, height: int = 48) -> np.ndarray:
    """Return frame ``i`` of a test camera: smooth for colour (lossy), noise otherwise."""
    if encoding == "rgb8":
        return smooth(i, width, height)
    return image(encoding, i, width, height)

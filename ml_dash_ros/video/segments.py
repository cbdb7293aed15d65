"""One video segment file: frames in, a closed file out, renamed into place only when complete.

A segment is written under a hidden temporary name (``.seg-000001.mkv.part``) and renamed to
its final name after the container is closed and fsynced, so a crash loses at most the open
segment and every file with a final name decodes. ``EncodedSegment`` encodes raw images (H.264
for colour, lossless FFV1 otherwise); ``PacketSegment`` keeps compressed images (JPEG, PNG)
byte for byte as the packets of a container, without re-encoding.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ml_dash_ros.errors import StoreError
from ml_dash_ros.tracks.store.contract import fsync_dir, os_fault
from ml_dash_ros.video.pixels import pixels_of, to_planes

# Pixel formats FFV1 stores each input format in, exactly.
_FFV1_FORMATS = {"gray": "gray", "gray16le": "gray16le", "rgb24": "bgr0", "bgr24": "bgr0",
                 "rgba": "bgra", "bgra": "bgra"}
# H.264 key frames: reading one frame decodes at most this many (a seek finds the key frame).
KEYFRAME_EVERY = 15
# Compressed image formats kept as they are: container format, file suffix, codec.
# (The pixel format only describes the stream: FFmpeg opens a codec context to write headers.)
PACKET_CODECS = {"jpeg": ("matroska", ".mkv", "mjpeg", "yuvj420p"),
                 "png": ("mov", ".mov", "png", "rgb24")}


def segment_name(number: int, suffix: str) -> str:
    """Return the final file name of a segment."""
    return f"seg-{number:06d}{suffix}"


def partial_path(path: Path) -> Path:
    """Return the temporary name a segment has while it is written."""
    return path.with_name(f".{path.name}.part")


class _Segment:
    """The container file's lifecycle: open under a temporary name, close and rename."""

    def __init__(self, path: Path, container_format: str) -> None:
        import av

        self.path = path
        self.count = 0
        self._tmp = partial_path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._container: Any = av.open(str(self._tmp), "w", format=container_format)
        except OSError as err:
            raise StoreError(f"cannot create {self._tmp}: {os_fault(err)}") from err

    def _finish_stream(self) -> None:
        """Write what the encoder still holds (nothing for packets)."""

    def close(self) -> int:
        """Finish, fsync and rename the file to its final name; return its size in bytes."""
        try:
            self._finish_stream()
            self._container.close()
            with open(self._tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(self._tmp, self.path)
            fsync_dir(self.path.parent)
        except OSError as err:
            self.abort()
            raise StoreError(f"cannot close video segment {self.path}: {os_fault(err)}") \
                from err
        return self.path.stat().st_size

    def abort(self) -> None:
        """Drop the unfinished file."""
        try:
            self._container.close()
        except Exception:  # a container that failed half-way: its file is removed below
            pass
        try:
            os.unlink(self._tmp)
        except OSError:
            pass


class EncodedSegment(_Segment):
    """A segment of raw images of one size and encoding, encoded with H.264 or FFV1."""

    def __init__(self, path: Path, *, width: int, height: int, encoding: str, codec: str,
                 crf: int, preset: str, rate: float) -> None:
        """Open the file and its video stream; ``codec`` applies to colour images only."""
        super().__init__(path, "matroska")
        pixels = pixels_of(encoding)
        self.encoding, self._av_format = encoding, pixels.av_format
        self.lossless = codec == "ffv1" or not pixels.colour
        rate_fraction = Fraction(rate).limit_denominator(1001)
        try:
            if self.lossless:
                stream = self._container.add_stream("ffv1", rate=rate_fraction)
                stream.pix_fmt = _FFV1_FORMATS[pixels.av_format]
            else:
                stream = self._container.add_stream("libx264", rate=rate_fraction)
                even = width % 2 == 0 and height % 2 == 0
                stream.pix_fmt = "yuv420p" if even else "yuv444p"
                stream.options = {"crf": str(crf), "preset": preset}
                stream.codec_context.gop_size = KEYFRAME_EVERY
            stream.width = width * (2 if encoding == "32FC1" else 1)
            stream.height = height
        except Exception:
            self.abort()
            raise
        self._stream = stream

    def add(self, image: np.ndarray) -> None:
        """Encode one image (the size and encoding the segment was opened with)."""
        import av

        frame = av.VideoFrame.from_ndarray(to_planes(image, self.encoding),
                                           format=self._av_format)
        frame.pts = self.count
        self.count += 1
        self._container.mux(self._stream.encode(frame))

    def _finish_stream(self) -> None:
        self._container.mux(self._stream.encode(None))


class PacketSegment(_Segment):
    """A segment of compressed images of one size and format, each kept byte for byte."""

    def __init__(self, path: Path, *, width: int, height: int, image_format: str,
                 rate: float) -> None:
        """Open the file with a stream for ``image_format`` (a key of PACKET_CODECS)."""
        container_format, _, codec, pix_fmt = PACKET_CODECS[image_format]
        super().__init__(path, container_format)
        self._time_base = Fraction(rate).limit_denominator(1001) ** -1
        try:
            stream = self._container.add_stream(codec, rate=Fraction(rate).limit_denominator(1001))
            stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        except Exception:
            self.abort()
            raise
        self._stream = stream

    def add(self, data: bytes) -> None:
        """Store one compressed image as one packet."""
        import av

        packet = av.Packet(data)
        packet.stream = self._stream
        packet.pts = packet.dts = self.count
        packet.time_base = self._time_base
        packet.is_keyframe = True
        self.count += 1
        self._container.mux(packet)

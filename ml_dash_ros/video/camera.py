"""One camera of one recording: frames cut into segments, encoded on a worker thread.

``submit`` runs on the caller's thread (the subscription callback): it checks the image, picks
its segment and position, and queues it; the track row it returns says where the frame will
be. Encoding runs on the camera's own thread. When the bounded queue is full the frame is
refused and counted (``refused``), and no row is written for it. A change of size or encoding,
a stamp ``segment_seconds`` after the segment's first or a stamp going back starts a new
segment. A segment that cannot be written (a full disk) is counted in ``errors``; the camera
keeps going with the next one.
"""

from __future__ import annotations

import io
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml_dash_ros.errors import ConversionError
from ml_dash_ros.video.pixels import image_array
from ml_dash_ros.video.segments import PACKET_CODECS, EncodedSegment, PacketSegment, segment_name

MAX_SEGMENT_FRAMES = 10_000
RAW_FIELDS = ("height", "width", "encoding", "is_bigendian", "step", "data")
COMPRESSED_FIELDS = ("format", "data")
_DROPPED = {"is_bigendian", "step", "data", "format"}


@dataclass(frozen=True)
class VideoSettings:
    """How a camera is written (the mapping's ``video:`` key)."""

    codec: str = "h264"            # for colour images; mono and depth are always ffv1
    crf: int = 23
    preset: str = "veryfast"
    segment_seconds: float = 2.0
    queue: int = 64                # frames waiting for the encoder, at most
    rate: float = 30.0             # the nominal frame rate written in the files


@dataclass
class CameraCounts:
    """What happened to one camera's frames."""

    frames: int = 0        # accepted: a row was written
    refused: int = 0       # the encoder's queue was full
    invalid: int = 0       # not an image that can be stored (unknown encoding, short data)
    errors: int = 0        # frames lost in segments that could not be written
    segments: int = 0      # segments closed
    bytes: int = 0         # ... their size
    first_error: str = ""

    def as_dict(self) -> dict:
        """Return the counts as a plain dict (``first_error`` only when there is one)."""
        out = {"video_frames": self.frames, "video_refused": self.refused,
               "video_invalid": self.invalid, "video_errors": self.errors,
               "video_segments": self.segments, "video_bytes": self.bytes}
        if self.first_error:
            out["video_first_error"] = self.first_error
        return out


@dataclass
class _Cut:
    """The open segment as the caller's thread sees it."""

    number: int = 0
    key: tuple = ()
    start: float = 0.0
    count: int = 0


@dataclass
class _Open:
    number: int
    writer: Any
    failed: bool = False


class Camera:
    """Write one camera's frames under ``directory`` (``relative`` is that path in rows)."""

    def __init__(self, directory: Path, relative: str, settings: VideoSettings, *,
                 block: bool = False) -> None:
        """Set the camera up; ``block`` waits for room instead of refusing (bag import)."""
        self.directory, self.relative, self.settings = directory, relative, settings
        self.counts = CameraCounts()
        self._block = block
        self._queue: queue.Queue = queue.Queue(maxsize=settings.queue)
        self._cut = _Cut()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fields: dict, ts: float) -> dict | None:
        """Queue the image in ``fields`` (converted Image / CompressedImage); return its row.

        None when the frame is refused (queue full) or is not an image that can be stored;
        both are counted.
        """
        try:
            if "format" in fields:
                kind, width, height, encoding, payload = _compressed(fields)
            else:
                width, height, encoding = fields["width"], fields["height"], fields["encoding"]
                payload = image_array(width, height, encoding, fields["step"], fields["data"],
                                      fields.get("is_bigendian", 0))
                kind = "raw"
        except (ConversionError, KeyError, ValueError, OSError) as err:
            self.counts.invalid += 1
            self.counts.first_error = self.counts.first_error or f"invalid image: {err}"
            return None
        cut = self._cut
        key = (kind, width, height, encoding)
        fresh = (cut.number == 0 or key != cut.key or ts < cut.start
                 or ts - cut.start >= self.settings.segment_seconds
                 or cut.count >= MAX_SEGMENT_FRAMES)
        number = cut.number + 1 if fresh else cut.number
        position = 0 if fresh else cut.count
        suffix = PACKET_CODECS[kind][1] if kind != "raw" else ".mkv"
        name = segment_name(number, suffix)
        if not self._put((number, name, key, payload)):
            self.counts.refused += 1
            return None
        if fresh:
            self._cut = _Cut(number, key, ts, 0)
        self._cut.count += 1
        row = {k: v for k, v in fields.items() if k not in _DROPPED}
        recv = row.pop("_recv_ts", None)
        row.update(frame_index=self.counts.frames, file=f"{self.relative}/{name}",
                   position=position, width=width, height=height, encoding=encoding)
        if recv is not None:
            row["_recv_ts"] = recv
        self.counts.frames += 1
        return row

    def _put(self, item: tuple) -> bool:
        with self._lock:
            if self._closed:
                return False
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name=f"video {self.relative}")
                self._thread.start()
        try:
            self._queue.put(item, block=self._block)
        except queue.Full:
            return False
        return True

    def close(self) -> None:
        """Encode what is queued, close the open segment and stop the thread (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _run(self) -> None:
        current: _Open | None = None
        while True:
            item = self._queue.get()
            if item is None:
                self._finish(current)
                return
            number, name, key, payload = item
            if current is None or current.number != number:
                self._finish(current)
                current = self._open(number, name, key)
            if current.failed:
                self.counts.errors += 1
                continue
            try:
                current.writer.add(payload)
            except Exception as err:  # an encoder or disk fault: lose this segment, go on
                self._fail(current, err)

    def _open(self, number: int, name: str, key: tuple) -> _Open:
        kind, width, height, encoding = key
        path = self.directory / name
        settings = self.settings
        try:
            if kind == "raw":
                writer = EncodedSegment(path, width=width, height=height, encoding=encoding,
                                        codec=settings.codec, crf=settings.crf,
                                        preset=settings.preset, rate=settings.rate)
            else:
                writer = PacketSegment(path, width=width, height=height, image_format=kind,
                                       rate=settings.rate)
        except Exception as err:  # cannot create the file or the stream
            opened = _Open(number, None, failed=True)
            self._note(err)
            return opened
        return _Open(number, writer)

    def _finish(self, current: _Open | None) -> None:
        if current is None or current.failed:
            return
        try:
            size = current.writer.close()
        except Exception as err:  # the segment's frames are lost, later ones are not
            self.counts.errors += current.writer.count
            self._note(err)
            return
        self.counts.segments += 1
        self.counts.bytes += size

    def _fail(self, current: _Open, err: BaseException) -> None:
        self.counts.errors += current.writer.count + 1
        current.writer.abort()
        current.failed = True
        self._note(err)

    def _note(self, err: BaseException) -> None:
        text = " ".join(str(err).split()) or type(err).__name__
        self.counts.first_error = self.counts.first_error or text


def _compressed(fields: dict) -> tuple:
    """Return (kind, width, height, format, bytes) of a converted CompressedImage."""
    from PIL import Image

    fmt = str(fields["format"])
    lowered = fmt.lower()
    if "compresseddepth" in lowered:
        raise ConversionError(f"format {fmt!r} (compressedDepth) is not kept as video")
    kind = "png" if "png" in lowered else "jpeg" if ("jpeg" in lowered or "jpg" in lowered) \
        else None
    if kind is None:
        raise ConversionError(f"compressed format {fmt!r}: expected jpeg or png")
    data = bytes(fields["data"])
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Exception as err:  # PIL raises many kinds for a broken header
        raise ConversionError(f"{kind} data that cannot be read ({err})") from err
    return kind, width, height, fmt, data

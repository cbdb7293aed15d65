"""A camera's frames back as numpy arrays: by stamp (nearest, or last at or before) or window.

The camera's track says where each frame is (``file``, ``position``); the segment is decoded
from its start up to the frame. Lossless segments (FFV1) give back exactly the published
pixels; H.264 ones within the codec's error; compressed images are decoded from the bytes
kept (or returned as those bytes with ``raw=True``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, NamedTuple, Optional, Sequence

import numpy as np

from ml_dash_ros.errors import NotFoundError
from ml_dash_ros.tracks.store.storage import storage_of
from ml_dash_ros.video.pixels import ENCODINGS, from_planes
from ml_dash_ros.video.segments import partial_path

INDEX_COLUMNS = ["frame_index", "file", "position", "width", "height", "encoding"]
HOW = ("nearest", "before")


class Frame(NamedTuple):
    """One decoded frame and the row that placed it."""

    ts: float
    frame_index: int
    image: Any            # numpy array (bytes for a compressed image read with raw=True)
    encoding: str


class Frames:
    """The frames of one camera track: ``Frames(exp, "camera/color").at(12.5).image``."""

    def __init__(self, experiment: Any, track: str) -> None:
        """Read the frames of ``track`` in an Experiment (open or not)."""
        self._exp, self.track = experiment, track
        self._index: Optional[dict] = None

    @property
    def index(self) -> dict:
        """Return the track's frame rows as numpy arrays (``_ts`` and INDEX_COLUMNS)."""
        if self._index is None:
            table = self._exp.tracks(self.track).read_table(columns=INDEX_COLUMNS)
            self._index = {name: table.column(name).to_numpy(zero_copy_only=False)
                           for name in ["_ts", *INDEX_COLUMNS]}
        return self._index

    def __len__(self) -> int:
        """Return the number of frames."""
        return len(self.index["_ts"])

    def at(self, ts: float, *, how: str = "nearest", raw: bool = False) -> Frame:
        """Return the frame nearest ``ts`` (``how="before"``: the last at or before it)."""
        if how not in HOW:
            raise ValueError(f"how must be one of {', '.join(HOW)}, got {how!r}")
        stamps = self.index["_ts"]
        if not len(stamps):
            raise NotFoundError(f"track {self.track!r} has no frame")
        right = int(np.searchsorted(stamps, ts, side="right"))
        if how == "before":
            if right == 0:
                raise NotFoundError(f"track {self.track!r} has no frame at or before {ts} "
                                    f"(the first is at {stamps[0]})")
            row = right - 1
        else:
            candidates = [i for i in (right - 1, right) if 0 <= i < len(stamps)]
            row = min(candidates, key=lambda i: abs(stamps[i] - ts))
        return self._decode([row], raw)[0]

    def window(self, start: Optional[float] = None, end: Optional[float] = None, *,
               raw: bool = False) -> list[Frame]:
        """Return the frames with start <= ``_ts`` <= end, in stamp order."""
        stamps = self.index["_ts"]
        lo = 0 if start is None else int(np.searchsorted(stamps, start, side="left"))
        hi = len(stamps) if end is None else int(np.searchsorted(stamps, end, side="right"))
        return self._decode(list(range(lo, hi)), raw)

    def by_index(self, frame_indices: Sequence[int], *, raw: bool = False) -> list[Frame]:
        """Return the frames whose ``frame_index`` are those given, in that order."""
        numbers = self.index["frame_index"]
        rows = {int(number): row for row, number in enumerate(numbers)}
        if len(rows) < len(numbers):
            raise ValueError(f"track {self.track!r} holds a frame_index twice (frames of "
                             "two recordings in one prefix); pick frames by stamp with at()")
        missing = [i for i in frame_indices if i not in rows]
        if missing:
            raise NotFoundError(f"track {self.track!r} has no frame_index {missing[0]} "
                                f"(it holds {len(numbers)} frames)")
        return self._decode([rows[i] for i in frame_indices], raw)

    def _decode(self, rows: list, raw: bool) -> list[Frame]:
        """Decode the frames of ``rows``, each segment file opened once."""
        index = self.index
        wanted: dict[str, dict[int, list]] = {}
        for row in rows:
            wanted.setdefault(index["file"][row], {}).setdefault(
                int(index["position"][row]), []).append(row)
        images: dict[int, Any] = {}
        for name, positions in wanted.items():
            encoding = index["encoding"][positions[next(iter(positions))][0]]
            for position, image in _read_segment(self._path(name), sorted(positions),
                                                 encoding, raw).items():
                for row in positions[position]:
                    images[row] = image
        return [Frame(float(index["_ts"][row]), int(index["frame_index"][row]), images[row],
                      index["encoding"][row]) for row in rows]

    def _path(self, name: str) -> Path:
        path = Path(self._exp.path).joinpath(*name.split("/"))
        try:                    # on an s3:// dash_root, the segment fetched whole once
            return storage_of(path.parent).local_file(path)
        except FileNotFoundError:
            pass
        if partial_path(path).exists():
            raise NotFoundError(f"{name} of track {self.track!r} was never closed (the "
                                "recording stopped while it was written); its frames are lost")
        raise NotFoundError(f"{name} of track {self.track!r} is missing (a segment the "
                            "recording could not finish); its frames are lost")


# Opening a segment reads the stream's parameters from the container without decoding a
# frame (the probe's decoder skips every frame: 6 ms less a file opened).
_OPEN_OPTIONS = {"skip_frame": "all", "threads": "1"}


def _read_segment(path: Path, positions: list, encoding: str, raw: bool) -> dict:
    """Return {position: image} for sorted positions of one segment.

    A frame's position is its presentation time in frames (``pts`` x rate, as written);
    reading seeks to the key frame at or before the first one wanted.
    """
    import av

    out: dict[int, Any] = {}
    wanted = set(positions)
    with av.open(str(path), options=_OPEN_OPTIONS) as container:
        stream = container.streams.video[0]
        rate, base = stream.average_rate or stream.guessed_rate, stream.time_base
        timed = bool(rate and base)
        if timed and positions[0] > 0:
            container.seek(int(round(positions[0] / rate / base)), stream=stream,
                           backward=True, any_frame=False)
        to_position = (lambda pts: int(round(pts * base * rate))) if timed else None
        if encoding in ENCODINGS:
            items = _decoded(container, stream, wanted, to_position)
        else:
            items = (p for p in container.demux(stream) if p.size)
        for counted, item in enumerate(items):
            position = counted if to_position is None or item.pts is None \
                else to_position(item.pts)
            if position in wanted:
                out[position] = _image(item, encoding, raw)
            if position >= positions[-1]:
                break
    if len(out) < len(positions):
        raise NotFoundError(f"{path} ends before frame position {positions[-1]}")
    return out


def _decoded(container: Any, stream: Any, wanted: set, to_position: Any) -> Any:
    """Yield the decoded frames; a frame not wanted is skipped when no other refers to it.

    One decoder thread, and once the packet of every wanted frame is in, the decoder is
    drained instead of fed the packets after them. Without timestamps (``to_position`` None)
    frames are counted, so none is skipped.
    """
    context = stream.codec_context
    context.thread_count = 1
    left = set(wanted)
    for packet in container.demux(stream):
        if to_position is not None and packet.pts is not None:
            position = to_position(packet.pts)
            left.discard(position)
            context.skip_frame = "DEFAULT" if position in wanted else "NONREF"
        yield from context.decode(packet)
        if to_position is not None and not left:
            yield from context.decode(None)
            return


def _image(item: Any, encoding: str, raw: bool) -> Any:
    """Return the image of a decoded frame, or of a packet kept as sent."""
    if encoding in ENCODINGS:
        return from_planes(item.to_ndarray(format=ENCODINGS[encoding].av_format), encoding)
    data = bytes(item)
    return data if raw else _decode_image(data)


def _decode_image(data: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image)

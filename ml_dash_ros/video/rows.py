"""Pipeline entries of image topics turned into frame rows (the bag import's tuple form)."""

from __future__ import annotations

from typing import Any, Callable

from ml_dash_ros.video.cameras import CameraSink, is_image

Entries = Callable[[Any, float], list]


def video_entries(sink: CameraSink, entries: Entries) -> Entries:
    """Wrap ``TopicPipeline.entries``: each image entry becomes its frame row, or is left out.

    The names of the rows are shared tuples, one per shape, as the pipeline's are.
    """
    shapes: dict[tuple, tuple] = {}

    def frame_entries(msg: Any, receive_time: float) -> list:
        out = []
        for track, names, values, ts in entries(msg, receive_time):
            fields = dict(zip(names, values))
            if not is_image(fields):
                out.append((track, names, values, ts))
                continue
            row = sink(track, fields, ts)
            if row is None:         # invalid: counted by the sink
                continue
            shape = tuple(row)
            out.append((track, shapes.setdefault(shape, shape), tuple(row.values()), ts))
        return out
    return frame_entries

"""sensor_msgs/msg/CameraInfo: size, distortion, K, R, P, binning and region of interest."""

from __future__ import annotations

from typing import Any

from ml_dash_ros.convert.base import Entry, header_entry, numbers


def convert(msg: Any) -> list[Entry]:
    """Return one entry with the calibration; ``roi`` becomes ``roi.x_offset`` ... columns."""
    roi = msg.roi
    return [header_entry(msg, {
        "width": msg.width, "height": msg.height,
        "distortion_model": msg.distortion_model,
        "d": numbers(msg.d), "k": numbers(msg.k), "r": numbers(msg.r), "p": numbers(msg.p),
        "binning_x": msg.binning_x, "binning_y": msg.binning_y,
        "roi.x_offset": roi.x_offset, "roi.y_offset": roi.y_offset,
        "roi.width": roi.width, "roi.height": roi.height,
        "roi.do_rectify": bool(roi.do_rectify),
        "frame_id": msg.header.frame_id,
    })]

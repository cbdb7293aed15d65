"""Align for the data tools and the CLI: the Track API's ``align`` (``exp.tracks.align``),
imported from where it lives, ``ml_dash_ros.tracks.api.align``."""

from ml_dash_ros.tracks.api.align import (METADATA_KEY, METHODS, SEPARATOR, align,
                                          align_table, tick_times)

__all__ = ["METADATA_KEY", "METHODS", "SEPARATOR", "align", "align_table", "tick_times"]

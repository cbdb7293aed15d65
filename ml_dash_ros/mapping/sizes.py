"""Sizes written in a mapping: a number of bytes, or a text such as ``500MB`` or ``1.5 GiB``."""

from __future__ import annotations

import math
import re

__all__ = ["SIZE_UNITS", "parse_size"]

# Decimal units (kB = 1000 B, as ros2 bag and disks count) and binary ones (KiB = 1024 B).
SIZE_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
              "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]*)\s*")


def parse_size(value: int | str) -> int:
    """Return a size in bytes (at least 1); raise ValueError saying what was expected."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("a size: bytes (an integer) or a text such as 500MB or 2GiB")
    if isinstance(value, int):
        size = float(value)
    else:
        match = _SIZE.fullmatch(value)
        unit = match and SIZE_UNITS.get(match.group(2).lower() or "b")
        if not unit:
            raise ValueError("a size such as 500MB or 2GiB (units: "
                             + ", ".join(("B", "kB", "MB", "GB", "TB", "KiB", "MiB", "GiB",
                                          "TiB")) + ")")
        size = float(match.group(1)) * unit
    if not math.isfinite(size) or size < 1:
        raise ValueError("a positive size (at least 1 byte)")
    return int(size)

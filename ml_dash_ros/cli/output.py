"""Shared output helpers of the CLI: list arguments, JSON and byte sinks.

The console, table and cell formats (``text``, ``stamp``, ``size``, ...) live in
``ml_dash_ros.tools.cells``, shared with the demo; they are imported here under their names.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

from ml_dash_ros.tools.cells import (  # noqa: F401 - the CLI's names for the cell formats
    WIDE, console, rate, seconds, size, stamp, table, text)
from ml_dash_ros.tools.listing import print_damage  # noqa: F401
from ml_dash_ros.tracks.store import formats


def text_or_dash(value: Any) -> str:
    """Return ``text(value)``, or '-' for None and ''."""
    return "-" if value is None or value == "" else text(value)


def split_list(text: Optional[str]) -> Optional[list]:
    """Return 'a,b, c' as ['a', 'b', 'c'] (None stays None)."""
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def print_json(data: Any) -> None:
    """Print data as indented, strict JSON on stdout (non-finite floats as strings)."""
    sys.stdout.write(formats.dumps(data, indent=2, default=str) + "\n")


def write_bytes(data: bytes, out: Optional[str]) -> None:
    """Write bytes to a file, or to stdout when out is None or '-'."""
    if out and out != "-":
        Path(out).expanduser().write_bytes(data)
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()

"""Values as printable table cells, and the rich console and table they are printed with.

Names come from the recording (prefixes, tracks, columns, frame ids, JSON side files) and are
printed through ``text``: control characters become visible escapes (``\\x1b``), and the
console never reads rich markup, so ``[bold]`` in a name is printed as it is.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from typing import Any, Optional

from rich.console import Console
from rich.table import Table

from ml_dash_ros.tracks.api import times

WIDE = 200
_ESCAPED = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))  # controls, format, unassigned


def console(stderr: bool = False) -> Console:
    """Return a rich Console on stdout (or stderr); wide and plain when not a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else max(int(os.environ.get("COLUMNS") or 0), WIDE)
    return Console(file=stream, width=width, highlight=False, soft_wrap=False, markup=False)


def text(value: Any) -> str:
    """Return a value as one printable line: control and format characters escaped."""
    raw = value if isinstance(value, str) else str(value)
    if raw.isprintable():
        return raw
    return "".join(_escape_char(c) for c in raw)


def _escape_char(char: str) -> str:
    if char == " " or unicodedata.category(char) not in _ESCAPED:
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def table(*columns: str, title: Optional[str] = None) -> Table:
    """Return a rich Table with the given headers; headers ending in ' >' align right."""
    out = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for name in columns:
        right = name.endswith(" >")
        out.add_column(name[:-2] if right else name, justify="right" if right else "left",
                       overflow="fold")
    return out


def seconds(value: Optional[float], digits: int = 3) -> str:
    """Return a time in seconds, or '-'."""
    return "-" if value is None else f"{value:.{digits}f}"


def rate(value: Optional[float]) -> str:
    """Return a rate in Hz, or '-'."""
    return "-" if value is None else f"{value:.1f}"


def size(value: Optional[int]) -> str:
    """Return a byte count in B, KiB, MiB or GiB."""
    if value is None:
        return "-"
    amount = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{value} B"


def stamp(ts: Optional[float]) -> str:
    """Return a stamp people can read: ISO 8601 UTC for wall-clock time, else seconds."""
    return times.format_stamp(ts)

"""Paths on disk: prefixes, reversible topic encoding, segment names.

Layout: ``{dash_root}/{prefix}/tracks/topic={encoded}/seg-{seq:012d}.parquet`` (hive style).
The encoding percent-encodes every UTF-8 byte outside ``[A-Za-z0-9_-]``, so ``/`` -> ``%2F``,
``.`` -> ``%2E`` and ``%`` -> ``%25``; ``urllib.parse.unquote`` reverses it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple, Union
from urllib.parse import unquote

from ml_dash_ros.errors import InvalidNameError

MAX_ENCODED_BYTES = 200
TOPIC_DIR_PREFIX = "topic="
_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_SEGMENT_RE = re.compile(r"^seg-(\d{12})(-c)?\.parquet$")
_ENCODE_TABLE = [chr(b) if b in _SAFE else f"%{b:02X}" for b in range(256)]


class SegmentName(NamedTuple):
    """One segment file: sequence number, compacted flag, path."""

    seq: int
    compacted: bool
    path: Path


def encode_topic(topic: str) -> str:
    """Return the directory-safe, reversible encoding of a topic name."""
    if not isinstance(topic, str):
        raise InvalidNameError(f"topic must be a str, got {type(topic).__name__}")
    if not topic:
        raise InvalidNameError("topic must not be empty")
    try:
        raw = topic.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InvalidNameError(f"topic {topic!r} is not valid Unicode text") from err
    encoded = "".join([_ENCODE_TABLE[b] for b in raw])
    if len(encoded) > MAX_ENCODED_BYTES:
        raise InvalidNameError(
            f"topic {topic[:40]!r}... encodes to {len(encoded)} bytes on disk, "
            f"more than {MAX_ENCODED_BYTES}; use a shorter topic"
        )
    return encoded


def decode_topic(encoded: str) -> str:
    """Return the topic name an encoded directory name stands for."""
    return unquote(encoded, errors="strict")


def prefix_dir(dash_root: Union[str, os.PathLike], prefix: str) -> Path:
    """Return the directory of a prefix, refusing anything that could leave dash_root."""
    if not isinstance(prefix, str) or not prefix:
        raise InvalidNameError(f"prefix must be a non-empty str, got {prefix!r}")
    if prefix.startswith("/") or "\\" in prefix or "\0" in prefix:
        raise InvalidNameError(
            f"prefix {prefix!r} must be relative like 'owner/project/run' (no leading '/', "
            "backslash or NUL)"
        )
    parts = prefix.split("/")
    for part in parts:
        if part in ("", ".", ".."):
            raise InvalidNameError(
                f"prefix {prefix!r} has an empty, '.' or '..' component; "
                "use names like 'owner/project/run'"
            )
        if len(part.encode("utf-8", "surrogatepass")) > 255:
            raise InvalidNameError(f"prefix {prefix!r}: component {part[:40]!r}... is too long")
    return Path(dash_root).joinpath(*parts)


def topic_dir(kind_dir: Path, topic: str) -> Path:
    """Return the directory of one topic under a ``tracks`` or ``metrics`` directory."""
    return kind_dir / (TOPIC_DIR_PREFIX + encode_topic(topic))


def list_topics(kind_dir: Path) -> dict:
    """Return topic -> directory for every topic directory present."""
    found = {}
    try:
        entries = list(os.scandir(kind_dir))
    except FileNotFoundError:
        return found
    for entry in entries:
        if entry.name.startswith(TOPIC_DIR_PREFIX) and entry.is_dir():
            try:
                topic = decode_topic(entry.name[len(TOPIC_DIR_PREFIX):])
            except UnicodeDecodeError:
                continue
            found[topic] = Path(entry.path)
    return dict(sorted(found.items()))


def segment_name(seq: int, compacted: bool = False) -> str:
    """Return the file name of a segment."""
    return f"seg-{seq:012d}{'-c' if compacted else ''}.parquet"


def scan_segments(directory: Path) -> list:
    """Return every segment file in a topic directory, ordered oldest first."""
    found = []
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return found
    for name in names:
        match = _SEGMENT_RE.match(name)
        if match:
            found.append(SegmentName(int(match.group(1)), bool(match.group(2)), directory / name))
    found.sort(key=lambda s: (s.seq, s.compacted))
    return found


def live_segments(segments: list) -> list:
    """Drop segments a later compaction already holds (left behind by a crash)."""
    last_compacted = max((s.seq for s in segments if s.compacted), default=None)
    if last_compacted is None:
        return segments
    return [s for s in segments if s.seq > last_compacted or (
        s.seq == last_compacted and s.compacted)]

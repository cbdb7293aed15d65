"""Paths on disk: prefixes, reversible topic encoding, segment names.

Layout: ``{dash_root}/{prefix}/tracks/topic={encoded}/seg-{seq:012d}.parquet`` (hive style).
A flush writes ``seg-{seq}.parquet``. A merge writes ``seg-{last}-c.parquet`` when it holds
every segment numbered up to ``last``, and ``seg-{first}-{last}-c.parquet`` when it holds
those numbered ``first`` to ``last``; a segment whose numbers another file covers is dead
(left behind by a crash between a merge's rename and its deletes) and is never read.
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
from ml_dash_ros.tracks.store.storage import storage_of

MAX_ENCODED_BYTES = 200
TOPIC_DIR_PREFIX = "topic="
_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_SEGMENT_RE = re.compile(r"^seg-(?:(\d{12})-)?(\d{12})(-c)?\.parquet$")
_ENCODE_TABLE = [chr(b) if b in _SAFE else f"%{b:02X}" for b in range(256)]


class SegmentName(NamedTuple):
    """One segment file: last sequence number held, compacted flag, path, first number held.

    A flushed segment holds only ``seq``; ``seg-{seq}-c`` holds everything up to ``seq``
    (``first`` 0); ``seg-{first}-{seq}-c`` holds ``first`` to ``seq``.
    """

    seq: int
    compacted: bool
    path: Path
    first: int = -1

    @property
    def low(self) -> int:
        """Return the first sequence number this file holds."""
        if self.first >= 0:
            return self.first
        return 0 if self.compacted else self.seq


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
    for name in storage_of(kind_dir).list_dirs(kind_dir):
        if name.startswith(TOPIC_DIR_PREFIX):
            try:
                topic = decode_topic(name[len(TOPIC_DIR_PREFIX):])
            except UnicodeDecodeError:
                continue
            found[topic] = Path(kind_dir) / name
    return dict(sorted(found.items()))


def segment_name(seq: int, compacted: bool = False, first: int = -1) -> str:
    """Return the file name of a segment (``first``: the first number a merge holds)."""
    if first >= 0:
        return f"seg-{first:012d}-{seq:012d}-c.parquet"
    return f"seg-{seq:012d}{'-c' if compacted else ''}.parquet"


def scan_segments(directory: Path) -> list:
    """Return every segment file in a topic directory, ordered oldest first."""
    found = []
    for name in storage_of(directory).list(directory):
        match = _SEGMENT_RE.match(name)
        if not match:
            continue
        first, seq, compacted = match.groups()
        if first is not None and (not compacted or int(first) >= int(seq)):
            continue  # not a name this package writes
        found.append(SegmentName(int(seq), bool(compacted), directory / name,
                                 -1 if first is None else int(first)))
    found.sort(key=lambda s: (s.seq, s.compacted, -s.low))
    return found


def live_segments(segments: list) -> list:
    """Drop segments whose numbers another file holds (a merge's inputs left by a crash).

    The live ones hold disjoint ranges of sequence numbers; they come back oldest first.
    """
    ordered = sorted(segments, key=lambda s: (s.low, -s.seq, not s.compacted))
    live, covered = [], -1
    for seg in ordered:
        if seg.seq > covered:
            live.append(seg)
            covered = seg.seq
    return live

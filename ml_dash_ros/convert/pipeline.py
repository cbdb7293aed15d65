"""One topic's path from message to track entries, shared by the live node and bag import.

Order: convert -> stamp policy -> track name from the template -> field selection / renaming
-> on_change filter -> ``_recv_ts``. Faults are counted per message (``counts``, with the first
text of each kind in ``reasons``), never raised.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable

from ml_dash_ros.convert.base import Entry
from ml_dash_ros.convert.registry import converter_for
from ml_dash_ros.convert.types import message_type_name

RECEIVE_COLUMN = "_recv_ts"
_UNSET = object()
_MEMO_LIMIT = 4096


class TopicPipeline:
    """Turn messages of one mapped topic into ``(track, fields, _ts)`` triples."""

    def __init__(self, config: Any) -> None:
        """Bind the pipeline to a mapping ``TopicConfig``."""
        self.config = config
        self.counts: Counter = Counter()
        self.first_error = ""                 # the first fault of any kind, "kind: text"
        self.reasons: dict[str, str] = {}     # the first text of each kind of fault
        self._converters: dict[type, Any] = {}
        self._rename = _renamer(config.fields)
        self._last: dict[str, dict] = {}
        self._template = "{" in config.track
        self._type_name = config.type or "message type"

    def process(self, msg: Any, receive_time: float) -> list[tuple[str, dict, float]]:
        """Return the entries of one message; count what could not be recorded."""
        try:
            return self._process(msg, receive_time)
        except Exception as err:  # a malformed message must not stop the recording
            self._fault("errors", f"{type(err).__name__}: {err}")
            return []

    def _process(self, msg: Any, receive_time: float) -> list[tuple[str, dict, float]]:
        out = []
        for entry in self._convert(msg):
            ts = self._stamp(entry, receive_time)
            if ts is None:
                continue
            track = self._track(entry)
            if track is None:
                continue
            fields = self._rename(entry.fields) if self._rename else entry.fields
            if self.config.on_change:
                if _same(self._last.get(track), fields):
                    self.counts["unchanged"] += 1
                    continue
                self._last[track] = fields
            fields = dict(fields)
            fields[RECEIVE_COLUMN] = receive_time
            out.append((track, fields, ts))
        return out

    def _convert(self, msg: Any) -> list[Entry]:
        cls = type(msg)
        converter = self._converters.get(cls)
        if converter is None:
            self._type_name = self.config.type or message_type_name(msg)
            converter = self._converters[cls] = converter_for(self._type_name)
        return converter(msg)

    def _stamp(self, entry: Entry, receive_time: float) -> float | None:
        policy = self.config.stamp
        if policy == "receive":
            return receive_time
        if entry.stamp:                       # None (no header) and 0.0 are both unusable
            return entry.stamp
        if policy == "header_or_receive":
            self.counts["stamp_fallback"] += 1
            return receive_time
        self._fault("no_stamp", "no header stamp (zero or missing); "
                    "use stamp: header_or_receive or receive")
        return None

    def _track(self, entry: Entry) -> str | None:
        if not self._template:
            return self.config.track
        try:
            keys = {key: value.strip("/") for key, value in entry.keys.items()
                    if value.strip("/")}
            track = self.config.track.format_map(keys)
        except KeyError as err:
            self._fault("missing_key", f"track template {self.config.track!r} needs {err}, "
                        f"which this {self._type_name} message leaves empty or lacks")
            return None
        if not track.strip("/"):
            self._fault("missing_key", "track template gave an empty name")
            return None
        return track

    def _fault(self, kind: str, text: str) -> None:
        self.counts[kind] += 1
        if kind not in self.reasons:
            self.reasons[kind] = text
        if not self.first_error:
            self.first_error = f"{kind}: {text}"


def _renamer(selection: dict | tuple | None) -> Callable[[dict], dict] | None:
    """Return a function applying ``fields:`` (select, and rename for a mapping), or None.

    A column is kept when its name, or a dotted prefix of it, is listed (the longest listed
    prefix wins); renaming replaces that prefix, so ``position: q`` also turns
    ``position.joint1`` into ``q.joint1`` and ``pose.position: p`` gives ``p.x``.
    """
    if selection is None:
        return None
    mapping = dict(selection) if isinstance(selection, dict) else {n: n for n in selection}
    memo: dict[str, str | None] = {}

    def target(name: str) -> str | None:
        if name in mapping:
            return mapping[name]
        head = name
        while "." in head:
            head = head.rpartition(".")[0]
            if head in mapping:
                return mapping[head] + name[len(head):]
        return None

    def rename(fields: dict) -> dict:
        out = {}
        for name, value in fields.items():
            new = memo.get(name, _UNSET)
            if new is _UNSET:
                if len(memo) > _MEMO_LIMIT:      # field names that keep changing: stay bounded
                    memo.clear()
                new = memo[name] = target(name)
            if new is not None:
                out[new] = value
        return out
    return rename


def _same(last: dict | None, fields: dict) -> bool:
    """Tell whether two entries' fields are equal, NaN equal to NaN (for on_change)."""
    if last is None:
        return False
    return last == fields or (last.keys() == fields.keys()
                              and all(_equal(last[k], v) for k, v in fields.items()))


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b

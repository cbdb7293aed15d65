"""One topic's path from message to track entries, shared by the live node and bag import.

Order: convert -> stamp policy -> track name from the template -> field selection / renaming
-> on_change filter -> ``_recv_ts`` (the last column). Faults are counted per message
(``counts``, with the first text of each kind in ``reasons``), never raised.
"""

from __future__ import annotations

from collections import Counter
from itertools import compress
from typing import Any, Callable

from ml_dash_ros.convert.base import Entry
from ml_dash_ros.convert.registry import COLUMN_CONVERTERS, converter_for
from ml_dash_ros.convert.stamps import RECEIVED, choose_stamp
from ml_dash_ros.convert.types import message_type_name

RECEIVE_COLUMN = "_recv_ts"
_MEMO_LIMIT = 4096


class TopicPipeline:
    """Turn messages of one mapped topic into track entries.

    ``entries`` gives ``(track, names, values, _ts)`` with the names as a shared tuple (one per
    shape of message) and the values as a tuple in that order, which a bag import stores
    column by column; ``process`` gives ``(track, fields, _ts)`` dicts for ``append``.
    """

    def __init__(self, config: Any) -> None:
        """Bind the pipeline to a mapping ``TopicConfig``."""
        self.config = config
        self.counts: Counter = Counter()
        self.first_error = ""                 # the first fault of any kind, "kind: text"
        self.reasons: dict[str, str] = {}     # the first text of each kind of fault
        self._converters: dict[type, Any] = {}
        self._plan = _planner(config.fields)
        self._last: dict[str, tuple] = {}
        self._template = "{" in config.track
        self._fixed_track = config.track
        self._policy = config.stamp
        self._header_stamps = config.stamp != "receive"
        self._static = config.latched
        self._on_change = config.on_change
        self._tracks: dict[tuple, str] = {}   # template keys -> track name
        self._type_name = config.type or "message type"

    def process(self, msg: Any, receive_time: float) -> list[tuple[str, dict, float]]:
        """Return the entries of one message as dicts; count what could not be recorded."""
        return [(track, dict(zip(names, values)), ts)
                for track, names, values, ts in self.entries(msg, receive_time)]

    def entries(self, msg: Any, receive_time: float) -> list[tuple[str, tuple, tuple, float]]:
        """Return the entries of one message as (track, names, values, _ts); count faults."""
        try:
            return self._entries(msg, receive_time)
        except Exception as err:  # a malformed message must not stop the recording
            self._fault("errors", f"{type(err).__name__}: {err}")
            return []

    def _entries(self, msg: Any, receive_time: float) -> list[tuple[str, tuple, tuple, float]]:
        out = []
        policy, plan = self._policy, self._plan
        for fields, stamp, keys in self._convert(msg):
            if stamp and policy != "receive":
                ts = stamp
            else:
                ts = self._other_stamp(policy, stamp, receive_time)
                if ts is None:
                    continue
            track = self._track(keys) if self._template else self._fixed_track
            if track is None:
                continue
            names, keep = plan(tuple(fields))
            values = tuple(fields.values() if keep is None else compress(fields.values(), keep))
            if self._on_change:
                last = self._last.get(track)
                if last is not None and last[0] == names and _same(last[1], values):
                    self.counts["unchanged"] += 1
                    continue
                self._last[track] = (names, values)
            out.append((track, names, values + (receive_time,), ts))
        return out

    def batchable(self, type_name: str) -> bool:
        """Tell whether ``columns`` can take messages of this type (no template, no on_change)."""
        return (not self._template and not self._on_change
                and (self.config.type or type_name) in COLUMN_CONVERTERS)

    def columns(self, msgs: list, receive_times: list) -> tuple[str, tuple, list, Any] | None:
        """Return ``(track, names, columns, _ts)`` for many messages of a batchable topic.

        The same entries ``entries`` gives message by message, as columns (numpy arrays or
        lists, ``_recv_ts`` last). None when the batch needs message-by-message handling (a
        shape the column converter does not take, a stamp the policy cannot use): the caller
        then calls ``entries`` for each message, which also counts the faults.
        """
        import numpy as np

        if not msgs:
            return None
        convert = COLUMN_CONVERTERS[self.config.type or message_type_name(msgs[0])]
        try:
            result = convert(msgs)
        except Exception:  # a malformed message: one by one, which counts it
            return None
        if result is None:
            return None
        keys, cols, stamps = result
        received = np.array(receive_times, dtype=np.float64)
        if self._header_stamps:
            if not stamps.all():    # a zero stamp: the policy decides per message
                return None
            ts = stamps
        else:
            ts = received
        names, keep = self._plan(keys)
        if keep is not None:
            cols = list(compress(cols, keep))
        return self._fixed_track, names, [*cols, received], ts

    def _convert(self, msg: Any) -> list[Entry]:
        converter = self._converters.get(type(msg))
        if converter is None:
            cls = type(msg)
            self._type_name = self.config.type or message_type_name(msg)
            converter = self._converters[cls] = converter_for(self._type_name)
        return converter(msg)

    def _other_stamp(self, policy: str, stamp: float | None,
                     receive_time: float) -> float | None:
        """Return `_ts` for an entry without a non-zero header stamp, by the stamp policy."""
        choice = choose_stamp(policy, stamp, receive_time, self._static)
        if choice.ts is None:
            self._fault(choice.source, choice.reason)
        elif choice.source != RECEIVED or policy != "receive":
            self.counts[choice.source] += 1
        return choice.ts

    def _track(self, keys: dict) -> str | None:
        """Return the track name the template gives for an entry's keys (None: a fault)."""
        memo = tuple(keys.items())
        track = self._tracks.get(memo)
        if track is not None:
            return track
        try:
            values = {key: value.strip("/") for key, value in keys.items() if value.strip("/")}
            track = self.config.track.format_map(values)
        except KeyError as err:
            self._fault("missing_key", f"track template {self.config.track!r} needs {err}, "
                        f"which this {self._type_name} message leaves empty or lacks")
            return None
        if not track.strip("/"):
            self._fault("missing_key", "track template gave an empty name")
            return None
        if len(self._tracks) >= _MEMO_LIMIT:  # frame names that keep changing: stay bounded
            self._tracks.clear()
        self._tracks[memo] = track
        return track

    def _fault(self, kind: str, text: str) -> None:
        self.counts[kind] += 1
        if kind not in self.reasons:
            self.reasons[kind] = text
        if not self.first_error:
            self.first_error = f"{kind}: {text}"


def _planner(selection: dict | tuple | None) -> Callable[[tuple], tuple]:
    """Return ``plan(names) -> (stored names, keep)`` applying ``fields:`` to converter names.

    ``stored names`` end with ``_recv_ts``; ``keep`` is None when every field is kept, else
    one bool per converter field. A column is kept when its name, or a dotted prefix of it, is
    listed (the longest listed prefix wins); renaming replaces that prefix, so
    ``position: q`` also turns ``position.joint1`` into ``q.joint1`` and ``pose.position: p``
    gives ``p.x``. Plans are memoised per tuple of names: a topic sends the same names
    message after message, so this is one dict lookup per entry.
    """
    mapping = None if selection is None else (
        dict(selection) if isinstance(selection, dict) else {n: n for n in selection})
    plans: dict[tuple, tuple] = {}

    def target(name: str) -> str | None:
        if mapping is None:
            return name
        if name in mapping:
            return mapping[name]
        head = name
        while "." in head:
            head = head.rpartition(".")[0]
            if head in mapping:
                return mapping[head] + name[len(head):]
        return None

    def make(names: tuple) -> tuple:
        targets = [target(name) for name in names]
        kept = tuple(new for new in targets if new is not None) + (RECEIVE_COLUMN,)
        keep = None if None not in targets else tuple(new is not None for new in targets)
        if len(plans) >= _MEMO_LIMIT:      # field names that keep changing: stay bounded
            plans.clear()
        plans[names] = (kept, keep)
        return kept, keep

    def plan(names: tuple) -> tuple:
        return plans.get(names) or make(names)
    return plan


def _same(last: tuple, values: tuple) -> bool:
    """Tell whether two entries' values are equal, NaN equal to NaN (for on_change)."""
    return last == values or (len(last) == len(values)
                              and all(map(_equal, last, values)))


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b

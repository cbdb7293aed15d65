"""Tiered compaction: which segments merge, when, and the background thread that merges them.

A segment's tier comes from its size on disk: tier 0 below ``TIER_BASE_BYTES``, then one tier
per factor ``FANOUT``. While a topic records, its writer submits it after each flush; the
one ``ml-dash-compactor`` thread of the process (at a lower CPU priority, never on the path
of ``append`` or a subscription callback) merges any run of ``FANOUT`` consecutive segments
of tier ``t`` or below into one, lowest tier first. A merge reads and writes at most
``MERGE_MAX_BYTES``; a segment of ``BIG_BYTES`` or more is never merged again. A track thus
holds a few files per tier: a few dozen for an hour of recording, whatever its rate.

At close, the newest tier-0 segments merge into one, so closing costs a bounded amount of
work however long the recording, and reopening a finished recording to append a few rows
never rewrites its larger files (rows at stamps those files also hold merge at read time).
Merges only take consecutive live segments, so the output's name says exactly which inputs
it holds (``layout``), and newer rows still win at equal stamps.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import astuple, dataclass, field, replace
from pathlib import Path
from typing import Callable, NamedTuple, Optional

from ml_dash_ros.tracks.store import layout
from ml_dash_ros.tracks.store.storage import storage_of

_log = logging.getLogger(__name__)

FANOUT = 8
TIER_BASE_BYTES = 256 << 10
BIG_BYTES = 64 << 20
MERGE_MAX_BYTES = 256 << 20
MERGE_MAX_FILES = 64
CLOSE_MERGE_BYTES = 8 << 20
CLOSE_MERGE_FILES = 2 * FANOUT
THREAD_NICENESS = 0


class Sized(NamedTuple):
    """A live segment and its size on disk."""

    segment: layout.SegmentName
    size: int


class Cancelled(Exception):
    """A background merge was stopped (its topic is closing); nothing was changed."""


def tier(size: int) -> int:
    """Return the tier of a segment of ``size`` bytes (0 below ``TIER_BASE_BYTES``)."""
    t, bound = 0, TIER_BASE_BYTES
    while size >= bound:
        t, bound = t + 1, bound * FANOUT
    return t


def sized_live(directory: Path) -> list:
    """Return the live segments of a topic with their sizes, oldest first."""
    out = []
    storage = storage_of(directory)
    for seg in layout.live_segments(layout.scan_segments(directory)):
        try:
            out.append(Sized(seg, storage.size(seg.path)))
        except FileNotFoundError:
            continue
    return out


def _capped(run: list) -> list:
    """Return the oldest part of ``run`` within the limits of one merge."""
    out, total = [], 0
    for item in run[:MERGE_MAX_FILES]:
        if out and total + item.size > MERGE_MAX_BYTES:
            break
        out.append(item)
        total += item.size
    return out


def plan_background(live: list) -> Optional[list]:
    """Return the next run of consecutive segments to merge while recording, or None."""
    if len(live) < FANOUT:
        return None
    tiers = [tier(s.size) if s.size < BIG_BYTES else None for s in live]
    for t in sorted({x for x in tiers if x is not None}):
        run: list = []
        for item, item_tier in zip(live + [None], tiers + [None]):
            if item_tier is not None and item_tier <= t:
                run.append(item)
                continue
            if len(run) >= FANOUT:
                chosen = _capped(run)
                if len(chosen) >= 2:
                    return chosen
            run = []
    return None


def plan_close(live: list) -> Optional[list]:
    """Return the newest tier-0 segments to merge into one at close, or None.

    Only the small tail merges (at most ``CLOSE_MERGE_BYTES`` and ``CLOSE_MERGE_FILES``): a
    larger segment is never rewritten because a few rows came after it, and a backlog the
    background thread could not keep up with never makes closing slow.
    """
    tail: list = []
    total = 0
    for item in reversed(live):
        if (tier(item.size) > 0 or total + item.size > CLOSE_MERGE_BYTES
                or len(tail) == CLOSE_MERGE_FILES):
            break
        tail.append(item)
        total += item.size
    return tail[::-1] if len(tail) >= 2 else None


@dataclass(frozen=True)
class CompactionStats:
    """What compaction did to some topics: merges, their inputs, and seconds spent."""

    background_merges: int = 0
    background_inputs: int = 0
    background_seconds: float = 0.0
    close_merges: int = 0
    close_inputs: int = 0
    close_seconds: float = 0.0
    failures: int = 0

    def __add__(self, other: "CompactionStats") -> "CompactionStats":
        """Add two counts field by field."""
        return CompactionStats(*(a + b for a, b in zip(astuple(self), astuple(other))))

    def as_dict(self) -> dict:
        """Return the counts as a JSON-ready dict (seconds rounded to milliseconds)."""
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in self.__dict__.items()}


_stats: dict = {}
_stats_lock = threading.Lock()


def record(directory: Path, **counts) -> None:
    """Add counts to a topic's compaction stats."""
    with _stats_lock:
        old = _stats.get(directory, CompactionStats())
        _stats[directory] = replace(old, **{k: getattr(old, k) + v for k, v in counts.items()})


def stats_under(path: Path) -> CompactionStats:
    """Return the compaction stats of every topic of this process under ``path``."""
    path = Path(path)
    with _stats_lock:
        items = list(_stats.items())
    total = CompactionStats()
    for directory, counts in items:
        if path == directory or path in directory.parents:
            total = total + counts
    return total


@dataclass
class BackgroundTopic:
    """One topic's registration with the compactor thread."""

    directory: Path
    merge: Callable[[list, Callable[[], bool]], object]
    stopped: threading.Event = field(default_factory=threading.Event)
    busy: threading.Lock = field(default_factory=threading.Lock)
    failed: bool = False

    def stop(self) -> None:
        """Stop merging this topic: abandon a merge under way and wait for it (idempotent)."""
        self.stopped.set()
        with self.busy:
            pass

    def run(self) -> None:
        """Merge what the tiering asks for until nothing is left or the topic stops."""
        with self.busy:
            while not self.stopped.is_set() and not self.failed:
                run = plan_background(sized_live(self.directory))
                if run is None:
                    return
                clock = time.perf_counter()
                try:
                    self.merge([s.segment for s in run], self.stopped.is_set)
                except Cancelled:
                    return
                except Exception as err:  # noqa: BLE001 - the thread serves every topic
                    self.failed = True     # close tries again and reports it
                    record(self.directory, failures=1)
                    _log.warning("background compaction of %s stopped: %s", self.directory, err)
                    return
                record(self.directory, background_merges=1, background_inputs=len(run),
                       background_seconds=time.perf_counter() - clock)


class _Compactor:
    """The process's one background compaction thread and its queue of topics."""

    def __init__(self) -> None:
        self._queue: dict = {}
        self._cond = threading.Condition()
        self._thread: Optional[threading.Thread] = None

    def submit(self, topic: BackgroundTopic) -> None:
        with self._cond:
            self._queue[id(topic)] = topic
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ml-dash-compactor",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), THREAD_NICENESS)
        except (OSError, AttributeError):
            pass
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                topic = self._queue.pop(next(iter(self._queue)))
            topic.run()


_compactor = _Compactor()


def submit(topic: BackgroundTopic) -> None:
    """Ask the background thread to look at ``topic`` (cheap; never blocks on I/O)."""
    if not topic.stopped.is_set() and not topic.failed:
        _compactor.submit(topic)

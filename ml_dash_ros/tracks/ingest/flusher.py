"""Buffer settings and the one background flusher thread per Experiment.

Settings come from constructor arguments, else environment variables, else defaults:

============================  ==============================  =========
argument                      environment variable            default
============================  ==============================  =========
``flush_interval`` (s)        ``ML_DASH_FLUSH_INTERVAL``       5.0
``batch_size`` (rows)         ``ML_DASH_TRACK_BATCH_SIZE``     100000
``max_buffer_rows`` (rows)    ``ML_DASH_MAX_BUFFER_ROWS``      200000
``block_timeout`` (s)         ``ML_DASH_BLOCK_TIMEOUT``        60.0
``when_full``                 ``ML_DASH_WHEN_FULL``            block
============================  ==============================  =========

A topic is written when it holds ``batch_size`` rows or its oldest row has waited
``flush_interval`` seconds. When all topics together hold ``max_buffer_rows`` rows, ``append``
blocks until the flusher has written (back-pressure); if the store keeps failing for
``block_timeout`` seconds, ``append`` raises StoreError instead of hanging. Nothing is dropped.
With ``when_full="drop"`` (what the recorder uses: a subscription callback must never block
the executor) a full buffer makes ``append`` raise BufferFullError at once instead: the entry
is refused, the caller counts it, and nothing buffered is touched.

``batch_size`` was 10000 until the array-backed buffer: a buffered row of numbers now takes
8 bytes per value (100000 rows of the 7-joint robot row: about 18 MB), and fewer, larger
segments cost less to write and need no rewrite at close (see ``segments``). Rows that do
not fit the array buffer (sparse fields, None, nested lists) take about 5x more memory.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional

from ml_dash_ros.errors import ConfigError, StoreError

_log = logging.getLogger(__name__)
WHEN_FULL = ("block", "drop")


def _setting(value: Optional[float], env: str, default: float, cast: type, name: str) -> float:
    source = f"argument {name}"
    if value is None:
        raw = os.environ.get(env)
        if raw is None or raw.strip() == "":
            return cast(default)
        source = f"environment variable {env}"
        try:
            value = cast(float(raw)) if cast is int else cast(raw)
        except ValueError:
            raise ConfigError(f"{source}: expected a positive number, got {raw!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"{source}: expected a positive number, got {value!r}")
    return cast(value)


@dataclass(frozen=True)
class BufferSettings:
    """Resolved buffering settings of one Experiment."""

    flush_interval: float = 5.0
    batch_size: int = 100_000
    max_buffer_rows: int = 200_000
    block_timeout: float = 60.0
    when_full: str = "block"

    @classmethod
    def resolve(cls, flush_interval: Optional[float] = None, batch_size: Optional[int] = None,
                max_buffer_rows: Optional[int] = None,
                block_timeout: Optional[float] = None,
                when_full: Optional[str] = None) -> "BufferSettings":
        """Combine arguments, environment variables and defaults."""
        d = cls()
        when_full = when_full or os.environ.get("ML_DASH_WHEN_FULL") or d.when_full
        if when_full not in WHEN_FULL:
            raise ConfigError(f"when_full: expected one of {', '.join(WHEN_FULL)}, "
                              f"got {when_full!r}")
        return cls(
            flush_interval=_setting(flush_interval, "ML_DASH_FLUSH_INTERVAL", d.flush_interval,
                                    float, "flush_interval"),
            batch_size=_setting(batch_size, "ML_DASH_TRACK_BATCH_SIZE", d.batch_size, int,
                                "batch_size"),
            max_buffer_rows=_setting(max_buffer_rows, "ML_DASH_MAX_BUFFER_ROWS",
                                     d.max_buffer_rows, int, "max_buffer_rows"),
            block_timeout=_setting(block_timeout, "ML_DASH_BLOCK_TIMEOUT", d.block_timeout,
                                   float, "block_timeout"),
            when_full=when_full,
        )

    @property
    def threshold(self) -> int:
        """Buffered rows per topic at which the flusher is woken."""
        return min(self.batch_size, self.max_buffer_rows)

    def share(self, topics: int) -> int:
        """Buffered rows per topic at which append checks the total against the limit.

        With ``topics`` topics each below its share, all of them together stay below
        ``max_buffer_rows``: the limit holds over all topics without a shared counter.
        """
        return max(1, min(self.threshold, self.max_buffer_rows // max(1, topics)))


class Flusher:
    """A daemon thread that writes due topics; woken early by a full batch."""

    def __init__(self, settings: BufferSettings, topics: Callable[[], list]) -> None:
        """Set up the thread; ``topics()`` gives the ``TopicIngest`` objects to look at."""
        self._settings = settings
        self._topics = topics
        self._wake = threading.Event()
        self._stop = False
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        """Start the thread (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop = False
            self._thread = threading.Thread(target=self._run, name="ml-dash-flusher",
                                            daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Ask the thread to look at the buffers now."""
        self._wake.set()

    def stop(self) -> None:
        """Stop the thread and wait for it (idempotent)."""
        self._stop = True
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._thread = None

    def _tick(self) -> float:
        return max(0.01, min(0.5, self._settings.flush_interval / 4))

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait(self._tick())
            self._wake.clear()
            if self._stop:
                break
            self.flush_due()

    def flush_due(self) -> None:
        """Write every topic that is due; keep failures for the next flush()/close()."""
        now = time.monotonic()
        s = self._settings
        topics = self._topics()
        # Over the limit of all topics together: write every topic now, largest first.
        full = sum(t.buffered_rows for t in topics) >= s.max_buffer_rows
        if full:
            topics = sorted(topics, key=lambda t: -t.queued_rows)
        for topic in topics:
            if not topic.due(now, s, full):
                continue
            try:
                topic.flush()
            except StoreError as err:
                topic.retry_in(min(5.0, max(0.2, s.flush_interval)))
                _log.warning("background flush failed, rows kept: %s", err)
            except Exception:  # never let the thread die; the error is kept on the buffer
                _log.exception("background flush of %r failed", topic.topic)
                topic.retry_in(1.0)

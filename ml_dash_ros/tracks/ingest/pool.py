"""The buffer budget every topic of one experiment shares: ``max_buffer_rows`` over all of
them, back-pressure (``when_full="block"``) or refusal (``"drop"``), and who may append.

Each topic appends without looking at the others while it holds less than its share of the
limit (``BufferSettings.share``); past its share it asks the pool (``admit``), which checks the
total. While the total is over half the limit every append asks ("tight"), so the limit is
exact; the flusher's ``written`` lowers it again.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Optional

from ml_dash_ros.errors import BufferFullError, ExperimentClosedError, StoreError
from ml_dash_ros.tracks.ingest.flusher import BufferSettings
from ml_dash_ros.tracks.ingest.topic import TopicIngest


class BufferPool:
    """The topics of one experiment and the rules their buffers follow together."""

    def __init__(self, settings: BufferSettings, prefix: str,
                 open_experiment: Callable[[], None]) -> None:
        """Start closed; ``open_experiment`` is called by the first append (it opens)."""
        self.settings = settings
        self.prefix = prefix
        self._open_experiment = open_experiment
        self._topics: list = []
        self._lock = threading.Lock()
        self._room = threading.Condition()
        self._accepting = False
        self._tight = False
        self._wake: Callable[[], None] = lambda: None

    # who takes part ----------------------------------------------------------------------
    def add(self, topic: TopicIngest) -> None:
        """Register a new topic; every topic's share of the limit shrinks."""
        with self._lock:
            self._topics.append(topic)
        self.share()

    def topics(self) -> list:
        """Return every registered topic (tracks and metrics)."""
        with self._lock:
            return list(self._topics)

    def set_waker(self, wake: Callable[[], None]) -> None:
        """Set what wakes the background flusher."""
        self._wake = wake

    def start(self) -> None:
        """Accept appends (the experiment is open)."""
        self._accepting = True
        self.share()

    def stop(self) -> None:
        """Refuse appends from now on: every append takes the slow path, which raises."""
        self._accepting = False
        for topic in self.topics():
            topic.set_threshold(0)

    # the budget --------------------------------------------------------------------------
    def total(self) -> int:
        """Return the rows buffered or in flight over all topics."""
        return sum(topic.buffered_rows for topic in self.topics())

    def share(self, tight: Optional[bool] = None) -> int:
        """Set every started topic's threshold to its share (0 while tight); return it."""
        if tight is not None:
            self._tight = tight
        topics = self.topics()
        share = 0 if self._tight else self.settings.share(len(topics))
        if self._accepting:
            for topic in topics:
                if topic.started:             # a new topic's first append starts it
                    topic.set_threshold(share)
        return share

    def admit(self, topic: TopicIngest, incoming: int) -> None:
        """Let ``incoming`` rows of ``topic`` in, wait for room, or refuse them.

        Raises ExperimentClosedError after close, BufferFullError when full under "drop",
        and StoreError when full under "block" for ``block_timeout`` seconds.
        """
        self._open_experiment()
        if not self._accepting:
            raise ExperimentClosedError(
                f"experiment {self.prefix!r} is closed; call exp.open() to append again")
        settings = self.settings
        topic.start()
        topics = self.topics()
        topic.set_threshold(0 if self._tight else settings.share(len(topics)))
        if topic.queued_rows + incoming >= settings.threshold:
            self._wake()
        total = sum(t.buffered_rows for t in topics) + incoming
        alone = len(topics) == 1
        if total >= settings.max_buffer_rows // 2 and not self._tight and not alone:
            self.share(tight=True)
        if total < settings.max_buffer_rows:
            if alone:
                topic.set_threshold(self._next_check(topic, incoming, total))
            return
        self._wake()
        if settings.when_full == "drop" and self.total():
            raise BufferFullError(
                f"track {topic.topic!r}: buffer full ({settings.max_buffer_rows} rows over all "
                f"topics) and the store is not draining; this entry was NOT recorded. Last "
                f"store error: {self.last_error()}")
        self._wait_for_room(topic, incoming)

    def _next_check(self, topic: TopicIngest, incoming: int, total: int) -> int:
        """Return the rows at which the only topic's appends are checked again.

        Nobody else adds rows, so it may fill the room left unchecked, but no further than
        its next full batch (the flusher is woken there). Without this, every append while
        a batch is written (in flight, still counted) would take the checked path.
        """
        settings = self.settings
        step = settings.max_buffer_rows - total
        queued = topic.queued_rows + incoming
        if queued < settings.threshold:
            step = min(step, settings.threshold - queued)
        return topic.buffered_rows + incoming + max(1, step)

    def _wait_for_room(self, topic: TopicIngest, incoming: int) -> None:
        settings = self.settings
        deadline = time.monotonic() + settings.block_timeout
        with self._room:
            while self.total() + incoming >= settings.max_buffer_rows:
                if self.total() == 0:
                    return  # a single batch larger than the limit goes through alone
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StoreError(
                        f"track {topic.topic!r}: buffer full ({settings.max_buffer_rows} rows) "
                        f"for {settings.block_timeout:g} s and the store is not draining; "
                        f"this entry was NOT recorded. Last store error: {self.last_error()}")
                self._wake()
                self._room.wait(min(remaining, 0.1))

    def written(self) -> None:
        """Rows reached the store (or a write failed): wake waiting appends, relax if low."""
        if self._tight and self.total() < self.settings.max_buffer_rows // 2:
            self.share(tight=False)
        elif not self._tight:
            self.share()        # the only topic's raised threshold goes back to its share
        with self._room:
            self._room.notify_all()

    def last_error(self) -> Optional[BaseException]:
        """Return the error of some topic's last failed write (None when all succeeded)."""
        for topic in self.topics():
            if topic.store_error is not None:
                return topic.store_error
        return None

"""Gaps in a stream's stamps: periods far beyond the recent median, as a sign of lost messages.

A gap is a period longer than ``factor`` times the running median of the last ``window``
periods and longer than ``min_gap`` seconds; it stands for about ``period / median - 1``
missing messages. Memory is bounded (``window`` floats); the median is recomputed every
``window // 4`` periods. Stamps that repeat or go backwards are not periods: a backwards jump
(a sim reset, a looped bag) starts a new baseline.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from statistics import median
from typing import Iterable

FACTOR = 5.0
MIN_GAP = 0.005         # seconds: jitter on a fast topic is not a gap
WINDOW = 64
WARMUP = 16             # periods seen before any gap is judged


@dataclass(frozen=True)
class GapCount:
    """The gaps found so far: how many, the messages they stand for, the longest (s)."""

    gaps: int = 0
    missing: int = 0
    longest: float = 0.0


class StampGaps:
    """Count gaps in one stream of increasing stamps (float seconds)."""

    def __init__(self, *, factor: float = FACTOR, min_gap: float = MIN_GAP,
                 window: int = WINDOW, warmup: int = WARMUP) -> None:
        """Set the gap rule: longer than ``factor`` x the median period and ``min_gap``."""
        if factor <= 1 or min_gap < 0 or window < 1 or warmup < 1:
            raise ValueError(f"StampGaps: factor must be > 1, min_gap >= 0, window and warmup "
                             f">= 1, got {factor}, {min_gap}, {window}, {warmup}")
        self.factor, self.min_gap, self.warmup = factor, min_gap, warmup
        self._periods: deque = deque(maxlen=window)
        self._refresh = max(window // 4, 1)
        self._since = 0
        self._seen = 0
        self._threshold: float | None = None
        self._median = 0.0
        self._last: float | None = None
        self.gaps = 0
        self.missing = 0
        self.longest = 0.0

    def add(self, ts: float) -> None:
        """Take the next stamp."""
        last, self._last = self._last, ts
        if last is None:
            return
        period = ts - last
        if period <= 0:
            if period < 0:
                self._last = ts           # a jump back: a new baseline
            else:
                self._last = last
            return
        threshold = self._threshold
        if threshold is not None and period > threshold:
            self.gaps += 1
            self.missing += max(round(period / self._median) - 1, 1)
            self.longest = max(self.longest, period)
        self._periods.append(period)
        self._seen += 1
        self._since += 1
        if self._seen >= self.warmup and (threshold is None or self._since >= self._refresh):
            self._since = 0
            self._median = median(self._periods)
            self._threshold = max(self.factor * self._median, self.min_gap)

    def add_many(self, stamps: Iterable[float]) -> None:
        """Take stamps in order."""
        for ts in stamps:
            self.add(float(ts))

    def restart(self) -> None:
        """Forget the last stamp (after a pause), keeping the median and the counts."""
        self._last = None

    def count(self) -> GapCount:
        """Return the gaps found so far."""
        return GapCount(self.gaps, self.missing, self.longest)


def total(counts: Iterable[GapCount]) -> GapCount:
    """Return the sum of several streams' gap counts (the longest of their longest)."""
    gaps = missing = 0
    longest = 0.0
    for count in counts:
        gaps += count.gaps
        missing += count.missing
        longest = max(longest, count.longest)
    return GapCount(gaps, missing, longest)

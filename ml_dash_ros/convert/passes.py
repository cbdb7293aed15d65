"""Tell a topic's stamps that jump back (a simulation reset, a looped bag) from jitter.

Same-``_ts`` rows merge inside one pass over time, which is the Track API's contract; across a
reset the same stamps come again with other data, and merging would blend the two passes. A
stamp more than ``threshold`` seconds before the latest stamp of its topic starts a new pass.
After a new pass starts, a header-stamped entry near or after the old pass's latest
stamp and well ahead of the new pass, within ``grace`` seconds (monotonic), is a straggler
of the old pass (delivered late) and belongs to it. Rows at ``_ts == 0`` (static) never count.
"""

from __future__ import annotations

CURRENT, RESET, PREVIOUS = "current", "reset", "previous"
DEFAULT_THRESHOLD = 1.0
DEFAULT_GRACE = 2.0


class StampPasses:
    """Classify one topic's stamps into passes; ``new_pass`` when any topic resets."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, grace: float = DEFAULT_GRACE) -> None:
        """Start with no pass seen."""
        self.threshold = threshold
        self.grace = grace
        self.latest: float | None = None          # latest stamp of the current pass
        self._previous: float | None = None       # latest stamp of the pass before
        self._grace_until = 0.0

    def classify(self, ts: float, now: float, header: bool = True) -> str:
        """Return CURRENT, RESET (``ts`` starts a new pass) or PREVIOUS (a late straggler).

        ``now`` is a monotonic time; ``header`` says whether ``ts`` came from the message (a
        receive-time stamp is always of the current pass).
        """
        if ts == 0.0:
            return CURRENT
        latest = self.latest
        if header and self._previous is not None and now < self._grace_until \
                and ts >= self._previous - self.threshold \
                and (latest is None or ts > latest + self.threshold):
            return PREVIOUS
        if latest is not None and ts < latest - self.threshold:
            return RESET
        if latest is None or ts > latest:
            self.latest = ts
        return CURRENT

    def new_pass(self, now: float) -> None:
        """Start a new pass: stamps of the old one are stragglers for ``grace`` seconds."""
        if self.latest is not None:
            self._previous = self.latest
        self.latest = None
        self._grace_until = now + self.grace

"""When the recorder starts a new episode or stops by itself: the ``recorder.max_*`` limits.

Durations run on the recorder clock (sim time under ``use_sim_time``) and add up only forward
steps: a clock that jumps back (a simulation reset) does not shorten or lengthen a limit, and a
clock still at zero (sim time before the first ``/clock``) does not start one. The size is
what the episode has written so far (counted by the store, not a directory walk).
"""

from __future__ import annotations

from typing import Any

from ml_dash_ros.mapping import RecorderConfig

__all__ = ["CHECK_PERIOD", "RecordingLimits"]

CHECK_PERIOD = 0.1      # seconds between checks (recorder clock)


class RecordingLimits:
    """Say which limit, if any, the recording has reached."""

    def __init__(self, config: RecorderConfig) -> None:
        """Keep the limits; nothing is timed until the first check with a running clock."""
        self.max_episode_duration = config.max_episode_duration
        self.max_episode_size = config.max_episode_size
        self.max_duration = config.max_duration
        self.total = 0.0                # seconds recorded in all
        self.episode_time = 0.0         # seconds of the current episode
        self._last: float | None = None
        self._episode: Any = None

    @property
    def active(self) -> bool:
        """Tell whether any limit is set."""
        return any(limit is not None for limit in
                   (self.max_episode_duration, self.max_episode_size, self.max_duration))

    def reached(self, now: float, episode: Any, size: int) -> str | None:
        """Return the name of the limit reached at clock ``now`` (seconds), or None.

        ``episode`` identifies the current episode (a new one restarts its duration) and
        ``size`` is the bytes it has written. ``max_duration`` comes first: it ends everything.
        """
        if episode is not self._episode:
            self._episode, self.episode_time = episode, 0.0
        if now <= 0.0:
            return None
        if self._last is not None and now > self._last:
            step = now - self._last
            self.total += step
            self.episode_time += step
        self._last = now
        if self.max_duration is not None and self.total >= self.max_duration:
            return "max_duration"
        if self.max_episode_duration is not None and \
                self.episode_time >= self.max_episode_duration:
            return "max_episode_duration"
        if self.max_episode_size is not None and size >= self.max_episode_size:
            return "max_episode_size"
        return None

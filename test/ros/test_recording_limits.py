"""The recorder's limits: episode duration and size, total duration, on the recorder clock."""

from ml_dash_ros.mapping import RecorderConfig
from ml_dash_ros.ros.recording_limits import RecordingLimits

EPISODE, OTHER = object(), object()


def _limits(**keys) -> RecordingLimits:
    return RecordingLimits(RecorderConfig(**keys))


def _run(limits, times, episode=EPISODE, size=0):
    return [limits.reached(now, episode, size) for now in times]


def test_no_limit_is_inactive_and_never_reached():
    limits = _limits()
    assert not limits.active
    assert _run(limits, [1.0, 1e9]) == [None, None]


def test_an_episode_ends_after_its_duration():
    assert _run(_limits(max_episode_duration=2.0), [10.0, 11.0, 11.9, 12.0]) == \
        [None, None, None, "max_episode_duration"]


def test_a_new_episode_restarts_the_episode_duration():
    limits = _limits(max_episode_duration=2.0)
    _run(limits, [10.0, 12.0])
    assert limits.reached(12.5, OTHER, 0) is None


def test_an_episode_ends_at_its_size():
    limits = _limits(max_episode_size=1000)
    assert [limits.reached(1.0, EPISODE, size) for size in (999, 1000)] == \
        [None, "max_episode_size"]


def test_the_total_duration_spans_episodes():
    limits = _limits(max_duration=3.0, max_episode_duration=2.0)
    assert _run(limits, [1.0, 3.0]) == [None, "max_episode_duration"]
    assert _run(limits, [4.0], episode=OTHER) == ["max_duration"]


def test_a_clock_at_zero_starts_nothing():
    """Sim time before the first /clock: the jump to the first stamp is not recording time."""
    limits = _limits(max_duration=5.0)
    assert _run(limits, [0.0, 0.0, 1000.0, 1004.0, 1005.0]) == \
        [None, None, None, None, "max_duration"]


def test_a_clock_jumping_back_adds_no_time():
    limits = _limits(max_duration=5.0)
    assert _run(limits, [100.0, 104.0, 1.0, 1.5, 2.0]) == [None, None, None, None, "max_duration"]

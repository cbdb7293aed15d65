"""Episode names and the events track (no ROS)."""

import pytest

from ml_dash_ros.convert.episodes import EVENTS_TRACK, EventLog, episode_prefix, free_episode
from ml_dash_ros.tracks import Experiment


@pytest.mark.parametrize("number, expected", [(1, "a/run-001"), (12, "a/run-012"),
                                              (1000, "a/run-1000")])
def test_episodes_are_numbered_from_one(number, expected):
    assert episode_prefix("a/run", number) == expected


def test_episode_zero_is_refused():
    with pytest.raises(ValueError, match="episode numbers start at 1, got 0"):
        episode_prefix("a/run", 0)


def test_a_free_episode_skips_the_taken_ones():
    taken = {"a/run-002", "a/run-003"}
    assert free_episode("a/run", 2, taken.__contains__) == 4


def _events(tmp_path, *stamps):
    with Experiment("a/run-001", dash_root=tmp_path).run as exp:
        log = EventLog(exp)
        for ts in stamps:
            log.add("pause", ts)
    return Experiment("a/run-001", dash_root=tmp_path).tracks(EVENTS_TRACK).read()["entries"]


def test_events_at_one_stamp_stay_separate_rows(tmp_path):
    assert len(_events(tmp_path, 5.0, 5.0, 5.0)) == 3


def test_an_event_stamped_before_the_last_one_follows_it(tmp_path):
    stamps = [entry["_ts"] for entry in _events(tmp_path, 5.0, 4.0)]
    assert stamps[0] == 5.0 < stamps[1] < 5.0 + 1e-9


def test_an_unknown_event_is_refused_naming_the_choices(tmp_path):
    with Experiment("a/run-001", dash_root=tmp_path).run as exp:
        with pytest.raises(ValueError, match="_events: unknown event 'stop'; expected one of"):
            EventLog(exp).add("stop", 1.0)


def test_a_detail_that_is_not_text_is_stored_as_json(tmp_path):
    with Experiment("a/run-001", dash_root=tmp_path).run as exp:
        EventLog(exp).add("metadata", 1.0, {"success": True})
    (entry,) = Experiment("a/run-001", dash_root=tmp_path).tracks(EVENTS_TRACK).read()["entries"]
    assert entry["detail"] == '{"success": true}'

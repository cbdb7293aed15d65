"""``info`` lists an episode's events (its ``_events`` track)."""

from ml_dash_ros.convert.episodes import EventLog
from ml_dash_ros.tracks import Experiment
from test.tools.conftest import run_cli


def _episode(root, events: int) -> None:
    with Experiment("a/run-001", dash_root=root).run as exp:
        exp.tracks("robot").append(q=1.0, _ts=1.0)
        log = EventLog(exp)
        for k in range(events):
            log.add("metadata", 1.0 + k, {"notes": f"note {k}"})


def _info(root, *args) -> str:
    proc = run_cli("info", "a/run-001", "--dash-root", root, *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_info_shows_each_event_with_its_detail(tmp_path):
    _episode(tmp_path, 2)
    assert '{"notes": "note 1"}' in _info(tmp_path)


def test_info_cuts_a_long_list_of_events_short(tmp_path):
    _episode(tmp_path, 53)
    assert "... 3 more" in _info(tmp_path)


def test_info_on_other_tracks_shows_no_events(tmp_path):
    _episode(tmp_path, 2)
    assert "note 1" not in _info(tmp_path, "--tracks", "robot")

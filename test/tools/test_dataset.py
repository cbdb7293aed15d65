"""A dataset over episodes: select by pattern and metadata, read and align across episodes."""

import numpy as np
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import NotFoundError
from ml_dash_ros.tools.dataset import Dataset
from test.tools.conftest import REPO, run_cli

EPISODES = {  # prefix -> (task, success, rows)
    "alice/franka/pick-001": ("pick", True, 30),
    "alice/franka/pick-002": ("pick", False, 20),
    "alice/franka/place-001": ("place", True, 25),
}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("episodes")
    for prefix, (task, success, rows) in EPISODES.items():
        with Experiment(prefix, dash_root=root).run as exp:
            exp.params.set(task=task, success=success, operator="ana")
            stamps = 100.0 + np.arange(rows) * 0.1
            exp.tracks("robot").append_batch({"_ts": stamps, "q": np.tile([0.5, 1.0], (rows, 1)),
                                              "k": np.arange(rows)})
            exp.tracks("gripper").append_batch({"_ts": stamps[::2], "width": stamps[::2] * 0})
    return root


def test_a_pattern_selects_episodes_in_prefix_order(root):
    assert [e.prefix for e in Dataset("alice/franka/pick-*", dash_root=root).episodes] == [
        "alice/franka/pick-001", "alice/franka/pick-002"]


def test_episodes_carry_their_metadata_and_counts(root):
    (episode,) = Dataset("alice/franka/place-*", dash_root=root).episodes
    assert episode.params["task"] == "place"
    assert episode.tracks == {"gripper": 13, "robot": 25}
    assert episode.status == "completed"


def test_params_filter(root):
    dataset = Dataset("alice/franka/*", dash_root=root, where={"success": True})
    assert [e.prefix for e in dataset.episodes] == ["alice/franka/pick-001",
                                                    "alice/franka/place-001"]


def test_a_filter_that_matches_nothing_says_so(root):
    with pytest.raises(NotFoundError, match="3 match the pattern"):
        Dataset("alice/franka/*", dash_root=root, where={"task": "pour"})


def test_reading_a_track_across_episodes_tags_every_row(root):
    table = Dataset("alice/franka/pick-*", dash_root=root).read("robot")
    assert table.column_names[:2] == ["episode", "episode_index"]
    assert table.num_rows == 50
    assert table.column("episode").to_pylist().count("alice/franka/pick-002") == 20


def test_aligning_every_episode_stacks_the_training_table(root):
    table = Dataset("alice/franka/*", dash_root=root).align(["robot", "gripper"], hz=5)
    per_episode = {p: table.column("episode").to_pylist().count(p) for p in EPISODES}
    assert per_episode == {"alice/franka/pick-001": 15, "alice/franka/pick-002": 10,
                           "alice/franka/place-001": 13}
    assert table.column("robot/q").null_count == 0


def test_a_missing_track_names_the_episode(root):
    with pytest.raises(NotFoundError, match="'alice/franka/pick-001' has no track 'camera'"):
        Dataset("alice/franka/*", dash_root=root).read("camera")


def test_the_cli_lists_and_filters(root):
    proc = run_cli("episodes", "alice/franka/*", "--where", "success=true", "--dash-root", root)
    assert proc.returncode == 0, proc.stderr
    assert "alice/franka/pick-001" in proc.stdout
    assert "alice/franka/pick-002" not in proc.stdout
    assert "2 episodes" in proc.stdout


def _readme_lines() -> list:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Episodes as a dataset\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n")[2].split("```")[0].strip().splitlines()


@pytest.mark.parametrize("line", _readme_lines(), ids=lambda line: line.split(".")[0])
def test_the_readme_one_liners_read_one_track_across_episodes(root, line):
    scope = {"root": root, "duckdb": pytest.importorskip("duckdb"),
             "polars": pytest.importorskip("polars")}
    result = eval(line, scope)  # noqa: S307 - the README's own code
    table = result.arrow() if hasattr(result, "arrow") else result.to_arrow()
    if hasattr(table, "read_all"):
        table = table.read_all()
    assert table.num_rows == 50            # pick-001 and pick-002: 30 + 20

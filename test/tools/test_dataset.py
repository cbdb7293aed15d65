"""A dataset over episodes: select by pattern and metadata, read and align across episodes."""

import numpy as np
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import NotFoundError
from ml_dash_ros.tools.dataset import Dataset
from test.tools.conftest import run_cli

EPISODES = {  # prefix -> (task, success, rows)
    "lab/pick-001": ("pick", True, 30),
    "lab/pick-002": ("pick", False, 20),
    "lab/place-001": ("place", True, 25),
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
    assert [e.prefix for e in Dataset("lab/pick-*", dash_root=root).episodes] == [
        "lab/pick-001", "lab/pick-002"]


def test_episodes_carry_their_metadata_and_counts(root):
    (episode,) = Dataset("lab/place-*", dash_root=root).episodes
    assert episode.params["task"] == "place"
    assert episode.tracks == {"gripper": 13, "robot": 25}
    assert episode.status == "completed"


def test_params_filter(root):
    dataset = Dataset("lab/*", dash_root=root, where={"success": True})
    assert [e.prefix for e in dataset.episodes] == ["lab/pick-001", "lab/place-001"]


def test_a_filter_that_matches_nothing_says_so(root):
    with pytest.raises(NotFoundError, match="3 match the pattern"):
        Dataset("lab/*", dash_root=root, where={"task": "pour"})


def test_reading_a_track_across_episodes_tags_every_row(root):
    table = Dataset("lab/pick-*", dash_root=root).read("robot")
    assert table.column_names[:2] == ["episode", "episode_index"]
    assert table.num_rows == 50
    assert table.column("episode").to_pylist().count("lab/pick-002") == 20


def test_aligning_every_episode_stacks_the_training_table(root):
    table = Dataset("lab/*", dash_root=root).align(["robot", "gripper"], hz=5)
    per_episode = {p: table.column("episode").to_pylist().count(p) for p in EPISODES}
    assert per_episode == {"lab/pick-001": 15, "lab/pick-002": 10, "lab/place-001": 13}
    assert table.column("robot/q").null_count == 0


def test_a_missing_track_names_the_episode(root):
    with pytest.raises(NotFoundError, match="episode 'lab/pick-001' has no track 'camera'"):
        Dataset("lab/*", dash_root=root).read("camera")


def test_the_cli_lists_and_filters(root):
    proc = run_cli("episodes", "lab/*", "--where", "success=true", "--dash-root", root)
    assert proc.returncode == 0, proc.stderr
    assert "lab/pick-001" in proc.stdout
    assert "lab/pick-002" not in proc.stdout
    assert "2 episodes" in proc.stdout


def test_duckdb_reads_one_track_across_episodes_without_the_package(root):
    duckdb = pytest.importorskip("duckdb")
    rows = duckdb.sql(
        f"SELECT regexp_extract(filename, '{root}/(.*)/tracks/', 1) AS episode, count(*) AS n "
        f"FROM read_parquet('{root}/lab/*/tracks/topic=robot/*.parquet', filename=true) "
        "GROUP BY episode ORDER BY episode").fetchall()
    assert rows == [("lab/pick-001", 30), ("lab/pick-002", 20), ("lab/place-001", 25)]


def test_polars_reads_one_track_across_episodes_without_the_package(root):
    pl = pytest.importorskip("polars")
    frame = pl.read_parquet(f"{root}/lab/*/tracks/topic=robot/*.parquet",
                            include_file_paths="file")
    assert frame.height == 75

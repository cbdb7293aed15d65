"""The CLI and the dataset on an s3:// dash_root: ls, info, read, export, plot, episodes."""

import json

import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.tools.dataset import Dataset

from test.remote.conftest import upload
from test.tools.conftest import run_cli

EPISODES = ("alice/run-001", "alice/run-002")


@pytest.fixture
def uri(tmp_path, bucket):
    """Two episodes recorded locally and uploaded to s3://bucket/runs; return the URI."""
    local = tmp_path / "local"
    for n, prefix in enumerate(EPISODES):
        with Experiment(prefix, dash_root=local).run as exp:
            exp.params.set(task="pick")
            exp.tracks("robot").append_batch([{"q": [float(i), n], "_ts": i / 10}
                                              for i in range(50)])
    upload(local, bucket, "runs")
    return f"s3://{bucket}/runs"


def _ok(*args):
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_ls_lists_the_recordings_in_the_bucket(uri):
    listed = json.loads(_ok("ls", "--dash-root", uri, "--json"))
    assert [(e["prefix"], [t["rows"] for t in e["tracks"]]) for e in listed] == \
        [(p, [50]) for p in EPISODES]


def test_ls_takes_the_bucket_as_its_argument(uri):
    assert [e["prefix"] for e in json.loads(_ok("ls", uri, "--json"))] == list(EPISODES)


def test_ls_counts_the_bytes_of_the_objects(uri):
    listed = json.loads(_ok("ls", "--dash-root", uri, "--json"))
    assert all(t["size_bytes"] > 0 for t in listed[0]["tracks"])


def test_info_shows_a_recording_in_the_bucket(uri):
    assert "robot" in _ok("info", EPISODES[0], "--dash-root", uri)


def test_read_prints_a_window_from_the_bucket(uri):
    out = _ok("read", EPISODES[1], "robot", "--dash-root", uri, "--start", "1", "--end", "1.2")
    rows = [json.loads(line)["q"] for line in out.splitlines()]
    assert rows == [[10.0, 1], [11.0, 1], [12.0, 1]]


def test_export_writes_a_recording_from_the_bucket(uri, tmp_path):
    _ok("export", EPISODES[0], "--dash-root", uri, "--out", tmp_path / "out")
    assert list((tmp_path / "out").rglob("*.parquet"))


def test_plot_draws_a_track_from_the_bucket(uri, tmp_path):
    _ok("plot", EPISODES[0], "robot", "--dash-root", uri, "--columns", "q",
        "--out", tmp_path / "q.png")
    assert (tmp_path / "q.png").stat().st_size > 0


def test_a_missing_bucket_is_one_line_and_exit_1(s3_env):
    proc = run_cli("ls", "--dash-root", "s3://absent/runs")
    assert (proc.returncode, proc.stderr.strip()) == \
        (1, proc.stderr.strip().splitlines()[0])
    assert "bucket 'absent' does not exist" in proc.stderr


def test_a_dataset_reads_a_track_across_episodes_in_the_bucket(uri):
    table = Dataset("alice/*", dash_root=uri).read("robot")
    assert table.num_rows == 100


def test_episodes_lists_the_episodes_in_the_bucket(uri):
    listed = json.loads(_ok("episodes", "alice/*", "--dash-root", uri, "--json"))
    assert [(e["prefix"], e["params"]["task"]) for e in listed] == \
        [(p, "pick") for p in EPISODES]


def test_align_cli_resamples_a_recording_in_the_bucket(uri, tmp_path):
    _ok("align", EPISODES[0], "--dash-root", uri, "--tracks", "robot", "--hz", "10",
        "--out", tmp_path / "a.parquet")
    assert (tmp_path / "a.parquet").stat().st_size > 0


def test_check_reads_every_segment_in_the_bucket(uri):
    assert "all readable" in _ok("check", EPISODES[0], "--dash-root", uri)


def test_check_salvage_on_a_bucket_is_refused(uri):
    proc = run_cli("check", EPISODES[0], "--dash-root", uri, "--salvage")
    assert proc.returncode == 1
    assert "--salvage moves files on a local dash_root" in proc.stderr

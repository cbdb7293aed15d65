"""A dataset's episodes on a real local Ray (num_cpus=2): Ray Data datasets, and align as one
Ray task per episode writing its shard."""

import shutil
import subprocess
import sys
from urllib.parse import quote

import duckdb
import numpy as np
import polars
import pyarrow
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
import ray

from ml_dash_ros import Experiment
from ml_dash_ros.errors import EpisodeJobError, MissingDependencyError
from ml_dash_ros.tools import on_ray
from ml_dash_ros.tools.dataset import Dataset
from ml_dash_ros.tools.export import export_experiment
from ml_dash_ros.tools.on_ray import align_on_ray, export_on_ray, to_ray_dataset
from ml_dash_ros.tools.shards import shard_name
from test.tools.conftest import REPO, child_env, run_cli, tree_digest

pytestmark = pytest.mark.timeout(900)    # Ray starts slowly on a busy machine

GOOD = {"alice/franka/pick-001": 30, "alice/franka/pick-002": 20, "alice/franka/pick-003": 25}
BROKEN = "alice/franka/pick-004"         # no gripper track
TRACKS = ["robot", "gripper"]


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("fleet")
    for prefix, rows in {**GOOD, BROKEN: 15}.items():
        with Experiment(prefix, dash_root=root).run as exp:
            exp.params.set(task="pick", rows=rows)
            stamps = 100.0 + np.arange(rows) * 0.1
            exp.tracks("robot").append_batch({"_ts": stamps, "q": np.tile([0.5, 1.0], (rows, 1)),
                                              "k": np.arange(rows)})
            if prefix != BROKEN:
                exp.tracks("gripper").append_batch({"_ts": stamps[::2], "width": stamps[::2]})
    return root


@pytest.fixture(scope="module")
def good(root):
    return Dataset("alice/franka/pick-00[123]", dash_root=root)


@pytest.fixture(scope="module")
def shards(good, tmp_path_factory):
    out = tmp_path_factory.mktemp("shards")
    align_on_ray(good, TRACKS, hz=5, out=out, method="linear")
    return out


@pytest.fixture(scope="module")
def expected(good):
    return good.align(TRACKS, hz=5, method="linear")


@pytest.mark.parametrize("prefix", sorted(GOOD))
def test_each_shard_equals_the_episode_of_dataset_align(shards, expected, prefix):
    shard = pq.read_table(shards / shard_name(prefix))
    assert shard.equals(expected.filter(pc.equal(expected["episode"], prefix)))


def _read_with(reader, out):
    if reader == "pyarrow.dataset":
        return pads.dataset(out, format="parquet").to_table()
    if reader == "duckdb":
        return duckdb.sql(f"SELECT * FROM read_parquet('{out}/*.parquet')").to_arrow_table()
    return polars.read_parquet(f"{out}/*.parquet").to_arrow()


@pytest.mark.parametrize("reader", ["pyarrow.dataset", "duckdb", "polars"])
def test_the_shards_read_back_as_one_table(shards, expected, reader):
    table = _read_with(reader, shards)
    order = [("episode", "ascending"), ("_ts", "ascending")]
    assert table.sort_by(order).to_pylist() == expected.sort_by(order).to_pylist()


def test_a_rerun_aligns_only_the_missing_shards(good, tmp_path):
    align_on_ray(good, TRACKS, hz=5, out=tmp_path)
    (tmp_path / shard_name("alice/franka/pick-002")).unlink()
    done = align_on_ray(good, TRACKS, hz=5, out=tmp_path)
    assert done.written == ("alice/franka/pick-002",)


def test_a_rerun_leaves_the_written_shards_alone(good, tmp_path):
    align_on_ray(good, TRACKS, hz=5, out=tmp_path)
    before = (tmp_path / shard_name("alice/franka/pick-001")).stat()
    done = align_on_ray(good, TRACKS, hz=5, out=tmp_path)
    after = (tmp_path / shard_name("alice/franka/pick-001")).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert done.skipped == tuple(sorted(GOOD))


@pytest.fixture(scope="module")
def failed(root, tmp_path_factory):
    out = tmp_path_factory.mktemp("failed")
    with pytest.raises(EpisodeJobError) as info:
        align_on_ray(Dataset("alice/franka/*", dash_root=root), TRACKS, hz=5, out=out)
    return out, info.value


def test_a_failing_episode_fails_the_job_naming_its_prefix(failed):
    _out, err = failed
    assert f"{BROKEN}: TrackNotFoundError" in str(err)


def test_a_failing_episode_leaves_no_shard_nor_temporary_file(failed):
    out, _err = failed
    assert sorted(p.name for p in out.iterdir()) == sorted(shard_name(p) for p in GOOD)


def test_a_failing_episode_keeps_the_other_shards(failed):
    out, err = failed
    assert sorted(err.written) == sorted(str(out / shard_name(p)) for p in GOOD)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """Return a dataset of one episode whose aligned table (~8 MB) cannot fit in 4 MiB."""
    root = tmp_path_factory.mktemp("big")
    with Experiment("alice/franka/big-001", dash_root=root).run as exp:
        stamps = np.arange(100_000) * 0.001
        values = np.random.default_rng(7).random((100_000, 10))
        exp.tracks("robot").append_batch({"_ts": stamps, "v": values})
    return Dataset("alice/franka/big-*", dash_root=root)


def test_a_shard_that_fills_the_disk_fails_its_episode_by_name(big, small_disk):
    with pytest.raises(EpisodeJobError, match="alice/franka/big-001: StoreError.*ENOSPC"):
        align_on_ray(big, ["robot"], hz=1000, out=small_disk / "shards")


def test_a_shard_that_fills_the_disk_leaves_no_file(big, small_disk):
    with pytest.raises(EpisodeJobError):
        align_on_ray(big, ["robot"], hz=1000, out=small_disk / "shards")
    assert list((small_disk / "shards").iterdir()) == []


def test_a_ray_dataset_has_a_row_per_episode(good):
    rows = to_ray_dataset(good).take_all()
    assert [(r["episode"], dict(r["tracks"])["robot"]) for r in rows] == sorted(GOOD.items())


def test_a_ray_dataset_of_a_track_holds_its_rows_of_every_episode(good):
    rows = to_ray_dataset(good, "robot", columns=["k"]).to_arrow_refs()
    got = ray.get(rows)
    stacked = sorted((r["episode"], r["_ts"], r["k"]) for t in got for r in t.to_pylist())
    want = good.read("robot", columns=["k"]).to_pylist()
    assert stacked == sorted((r["episode"], r["_ts"], r["k"]) for r in want)


def test_without_ray_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'ray\[data\]'"):
        on_ray.import_ray()


def test_the_cli_aligns_a_pattern_on_a_local_ray(root, tmp_path):
    proc = run_cli("align", "alice/franka/pick-00[12]", "--tracks", "robot,gripper", "--hz", "5",
                   "--out", tmp_path, "--dash-root", root, "--ray", timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        shard_name("alice/franka/pick-001"), shard_name("alice/franka/pick-002")]


def test_the_cli_names_a_failing_episode(root, tmp_path):
    proc = run_cli("align", "alice/franka/pick-00[34]", "--tracks", "robot,gripper", "--hz", "5",
                   "--out", tmp_path, "--dash-root", root, "--ray", timeout=600)
    assert proc.returncode == 1, proc.stderr
    assert f"{BROKEN}: TrackNotFoundError" in proc.stderr


def test_the_package_and_its_cli_import_without_ray():
    code = "import sys, ml_dash_ros.cli.main; print('ray' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=child_env())
    assert proc.stdout.strip() == "False", proc.stderr


def _readme_read_back() -> list:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("### On Ray\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n")[2].split("```")[0].strip().splitlines()


@pytest.mark.parametrize("line", _readme_read_back(), ids=lambda line: line.split(".")[0])
def test_the_readme_reads_the_shards_back(shards, expected, line):
    scope = {"out": shards, "duckdb": duckdb, "polars": polars, "pyarrow": pyarrow}
    result = eval(line, scope)  # noqa: S307 - the README's own code
    if isinstance(result, duckdb.DuckDBPyRelation):
        result = result.to_arrow_table()
    elif isinstance(result, polars.DataFrame):
        result = result.to_arrow()
    assert result.num_rows == expected.num_rows


@pytest.fixture(scope="module")
def exported(good, tmp_path_factory):
    out = tmp_path_factory.mktemp("exported")
    export_on_ray(good, out, tracks=TRACKS)
    return out


@pytest.mark.parametrize("prefix", sorted(GOOD))
def test_an_exported_episode_holds_what_export_experiment_writes(root, exported, prefix,
                                                                 tmp_path):
    export_experiment(prefix, tmp_path, dash_root=root, tracks=TRACKS)
    assert tree_digest(exported / quote(prefix, safe="")) == tree_digest(tmp_path)


def test_an_export_rerun_exports_only_the_missing_episodes(good, tmp_path):
    export_on_ray(good, tmp_path, tracks=TRACKS)
    shutil.rmtree(tmp_path / quote("alice/franka/pick-003", safe=""))
    done = export_on_ray(good, tmp_path, tracks=TRACKS)
    assert done.written == ("alice/franka/pick-003",)


def test_a_failing_export_leaves_no_directory_for_its_episode(root, tmp_path):
    with pytest.raises(EpisodeJobError, match=f"{BROKEN}: TrackNotFoundError"):
        export_on_ray(Dataset("alice/franka/pick-00[34]", dash_root=root), tmp_path,
                      tracks=TRACKS)
    assert sorted(p.name for p in tmp_path.iterdir()) == [quote("alice/franka/pick-003",
                                                                safe="")]


def test_export_on_ray_refuses_an_s3_directory(good):
    with pytest.raises(ValueError, match="s3://b/x: expected a local or shared directory"):
        export_on_ray(good, "s3://b/x")


def test_the_cli_exports_a_pattern_on_a_local_ray(root, tmp_path):
    proc = run_cli("export", "alice/franka/pick-00[12]", "--tracks", "robot", "--out", tmp_path,
                   "--dash-root", root, "--ray", timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / quote("alice/franka/pick-002", safe="") / "robot.parquet").is_file()


def test_the_cli_refuses_where_without_ray(root, tmp_path):
    proc = run_cli("align", "alice/franka/pick-001", "--tracks", "robot", "--hz", "5",
                   "--out", tmp_path / "a.parquet", "--dash-root", root, "--where", "task=pick")
    assert "--where goes with --ray" in proc.stderr


def test_the_cli_refuses_a_time_range_on_ray(root, tmp_path):
    proc = run_cli("align", "alice/franka/pick-*", "--tracks", "robot", "--hz", "5",
                   "--out", tmp_path, "--dash-root", root, "--start", "+1", "--ray")
    assert "--start / --end do not go with --ray" in proc.stderr

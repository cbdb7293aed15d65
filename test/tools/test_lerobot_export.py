"""Episodes out as a LeRobot v3 dataset: the files LeRobot's loader reads, and bad input refused.

The checks follow LeRobot's loader (lerobot/datasets): ``meta/info.json`` features turned into
Parquet column types, ``meta/tasks.parquet`` read by pandas with the task as index, episode
offsets into the shared data and video files, and each row's frame found at
``from_timestamp + timestamp`` within ``tolerance_s`` (1e-4 s). With the ``lerobot`` package
installed, the export is also loaded with ``LeRobotDataset`` itself.
"""

import json
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import ConfigError, LeRobotExportError, NotFoundError
from ml_dash_ros.tools.lerobot import export_lerobot, parse_lerobot_config
from test.tools.conftest import run_cli
from test.video.support import image_fields, record, smooth

FPS = 10
CAMERA_HZ = 30
TOLERANCE_S = 1e-4                  # LeRobotDataset's default tolerance_s
EPISODES = {  # prefix -> (task, camera frames, joints)
    "lab/arm/pick-000": ("pick the cube", 40, 3),
    "lab/arm/pick-001": ("place the cube", 31, 3),
    "lab/arm/wide-000": ("pick the cube", 20, 4),
    "lab/arm/notask-000": (None, 20, 3),
}
CONFIG = {"fps": FPS, "features": {
    "observation.state": {"track": "robot", "columns": ["q"]},
    "action": {"track": "robot", "columns": ["cmd.j1", "cmd.j2"]},
    "observation.images.front": {"camera": "cam/color"}}}
VIDEO = "videos/observation.images.front/chunk-000/file-000.mp4"


def _stamps(frames: int, index: int) -> np.ndarray:
    return 100.0 + 10 * index + np.arange(frames) / CAMERA_HZ


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """Return a dash_root with the EPISODES: a robot track and an rgb8 camera each."""
    root = tmp_path_factory.mktemp("episodes")
    for index, (prefix, (task, frames, joints)) in enumerate(EPISODES.items()):
        with Experiment(prefix, dash_root=root).run as exp:
            if task is not None:
                exp.params.set(task=task)
            stamps = _stamps(frames, index)
            exp.tracks("robot").append_batch({
                "_ts": stamps, "q": stamps[:, None] + np.arange(joints)[None, :],
                "cmd.j1": stamps * 2, "cmd.j2": -stamps})
            record(exp, "cam/color", [(image_fields(smooth(k), "rgb8"), float(t))
                                      for k, t in enumerate(stamps)])
    return root


@pytest.fixture(scope="module")
def out(root, tmp_path_factory):
    """Return the LeRobot export of the two pick-* episodes."""
    target = tmp_path_factory.mktemp("export") / "dataset"
    export_lerobot("lab/arm/pick-*", target, config=parse_lerobot_config(CONFIG),
                   dash_root=root)
    return target


def _info(out) -> dict:
    return json.loads((out / "meta/info.json").read_text())


def _data(out) -> pa.Table:
    return pq.read_table(out / "data/chunk-000/file-000.parquet")


def _episodes(out) -> pa.Table:
    return pq.read_table(out / "meta/episodes/chunk-000/file-000.parquet")


def _ticks(index: int) -> int:
    """Return the frames of episode ``index`` of EPISODES at FPS (its camera's span)."""
    frames = list(EPISODES.values())[index][1]
    return int(np.floor((frames - 1) / CAMERA_HZ * FPS + 1e-9)) + 1


def _video_stamps(path) -> list:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sorted(float(frame.pts * stream.time_base) for frame in container.decode(stream))


def test_the_files_are_at_lerobots_paths(out):
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == sorted(["data/chunk-000/file-000.parquet", "meta/info.json",
                            "meta/stats.json", "meta/tasks.parquet",
                            "meta/episodes/chunk-000/file-000.parquet", VIDEO])


def test_info_is_v3_with_the_counts(out):
    info = _info(out)
    assert (info["codebase_version"], info["fps"], info["total_episodes"], info["total_frames"],
            info["total_tasks"]) == ("v3.0", FPS, 2, _ticks(0) + _ticks(1), 2)


def test_info_path_templates_are_lerobots(out):
    info = _info(out)
    assert (info["data_path"], info["video_path"]) == (
        "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet",
        "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4")


def test_an_array_column_gives_a_vector_feature_named_by_index(out):
    assert _info(out)["features"]["observation.state"] == {
        "dtype": "float32", "shape": [3], "names": ["q[0]", "q[1]", "q[2]"]}


def test_scalar_columns_give_a_vector_feature_named_by_column(out):
    assert _info(out)["features"]["action"] == {
        "dtype": "float32", "shape": [2], "names": ["cmd.j1", "cmd.j2"]}


def test_a_camera_gives_a_video_feature(out):
    feature = _info(out)["features"]["observation.images.front"]
    assert (feature["dtype"], feature["shape"], feature["names"], feature["info"]["video.fps"]) \
        == ("video", [48, 64, 3], ["height", "width", "channels"], FPS)


def test_the_data_columns_have_the_types_info_declares(out):
    # get_hf_features_from_features: shape (n,) -> a fixed-length sequence, (1,) -> a value
    schema = _data(out).schema
    assert {name: _kind(schema.field(name).type) for name in schema.names} == {
        "observation.state": "float[3]", "action": "float[2]", "timestamp": "float",
        "frame_index": "int64", "episode_index": "int64", "index": "int64",
        "task_index": "int64"}


def _kind(kind: pa.DataType) -> str:
    if pa.types.is_fixed_size_list(kind):
        return f"{kind.value_type}[{kind.list_size}]"
    return str(kind)


def test_index_counts_every_frame_and_frame_index_restarts_per_episode(out):
    data = _data(out)
    assert data.column("index").to_pylist() == list(range(data.num_rows))
    assert data.column("frame_index").to_pylist() == [*range(_ticks(0)), *range(_ticks(1))]


def test_timestamps_step_by_one_frame_within_lerobots_tolerance(out):
    data = _data(out)
    for episode in (0, 1):
        mask = np.asarray(data.column("episode_index")) == episode
        stamps = np.asarray(data.column("timestamp"))[mask].astype(np.float64)
        assert stamps[0] == 0.0
        assert np.abs(np.diff(stamps) - 1 / FPS).max() <= TOLERANCE_S


def test_the_state_is_the_track_at_each_tick(out):
    data = _data(out)
    first = np.asarray(data.column("observation.state").to_pylist()[:_ticks(0)])
    ticks = _stamps(40, 0)[0] + np.arange(_ticks(0)) / FPS
    np.testing.assert_allclose(first, ticks[:, None] + np.arange(3)[None, :], rtol=1e-6)


def test_episodes_meta_gives_each_episode_its_rows_and_task(out):
    episodes = _episodes(out).to_pydict()
    first, second = _ticks(0), _ticks(1)
    assert {key: episodes[key] for key in ("episode_index", "length", "dataset_from_index",
                                           "dataset_to_index", "tasks")} == {
        "episode_index": [0, 1], "length": [first, second], "dataset_from_index": [0, first],
        "dataset_to_index": [first, first + second],
        "tasks": [["pick the cube"], ["place the cube"]]}


def test_episodes_meta_places_each_episode_in_the_video(out):
    episodes = _episodes(out).to_pydict()
    key = "videos/observation.images.front"
    first, second = _ticks(0), _ticks(1)
    assert (episodes[f"{key}/from_timestamp"], episodes[f"{key}/to_timestamp"]) == (
        [0.0, first / FPS], [first / FPS, (first + second) / FPS])


def test_the_video_has_one_frame_per_row(out):
    assert len(_video_stamps(out / VIDEO)) == _data(out).num_rows


def test_every_row_finds_its_frame_within_lerobots_tolerance(out):
    # what decode_video_frames checks: the nearest frame to from_timestamp + timestamp
    data, episodes = _data(out), _episodes(out).to_pydict()
    starts = episodes["videos/observation.images.front/from_timestamp"]
    pairs = zip(data.column("episode_index").to_pylist(), data.column("timestamp").to_pylist())
    queries = np.array([starts[episode] + stamp for episode, stamp in pairs])
    frames = np.array(_video_stamps(out / VIDEO))
    assert np.abs(queries[:, None] - frames[None, :]).min(axis=1).max() <= TOLERANCE_S


def test_each_frame_is_the_camera_frame_nearest_its_tick(out):
    import av

    with av.open(str(out / VIDEO)) as container:
        blue = [frame.to_ndarray(format="rgb24")[..., 2].mean() for frame in container.decode()]
    # smooth(k) has a blue level of k * 40 % 256; tick j of an episode is camera frame 3 j
    expected = [3 * j * 40 % 256 for j in range(_ticks(0))] + \
        [3 * j * 40 % 256 for j in range(_ticks(1))]
    np.testing.assert_allclose(blue, expected, atol=3)


def test_tasks_read_back_by_pandas_with_the_task_as_index(out):
    pd = pytest.importorskip("pandas")
    tasks = pd.read_parquet(out / "meta/tasks.parquet")       # lerobot's load_tasks
    names = [tasks.iloc[i].name for i in tasks["task_index"]]
    assert names == ["pick the cube", "place the cube"]


def test_stats_have_lerobots_keys_and_shapes(out):
    stats = json.loads((out / "meta/stats.json").read_text())
    shapes = {key: np.shape(stats[key]["mean"]) for key in
              ("observation.state", "action", "observation.images.front", "timestamp")}
    assert (shapes, sorted(stats["action"])) == (
        {"observation.state": (3,), "action": (2,), "observation.images.front": (3, 1, 1),
         "timestamp": (1,)},
        ["count", "max", "mean", "min", "q01", "q10", "q50", "q90", "q99", "std"])


def test_stats_count_every_frame(out):
    stats = json.loads((out / "meta/stats.json").read_text())
    assert stats["action"]["count"] == [_ticks(0) + _ticks(1)]


def _no_trace(target) -> None:
    assert sorted(p.name for p in target.parent.iterdir()) == []


def test_a_filter_that_matches_nothing_writes_nothing(root, tmp_path):
    target = tmp_path / "out" / "dataset"
    with pytest.raises(NotFoundError, match="matches 'lab/arm/pick-\\*' and the filters"):
        export_lerobot("lab/arm/pick-*", target, config=parse_lerobot_config(CONFIG),
                       dash_root=root, where={"task": "pour"})
    assert not target.parent.exists()


def test_a_missing_track_names_the_episode_and_writes_nothing(root, tmp_path):
    config = parse_lerobot_config({**CONFIG, "features": {
        "observation.state": {"track": "arm", "columns": ["q"]}}})
    target = tmp_path / "out" / "dataset"
    target.parent.mkdir()
    with pytest.raises(NotFoundError, match="'lab/arm/pick-000' has no track 'arm'"):
        export_lerobot("lab/arm/pick-*", target, config=config, dash_root=root)
    _no_trace(target)


def test_a_missing_column_is_named(root, tmp_path):
    config = parse_lerobot_config({**CONFIG, "features": {
        "action": {"track": "robot", "columns": ["cmd.j9"]}}})
    with pytest.raises(NotFoundError, match="cmd.j9"):
        export_lerobot("lab/arm/pick-*", tmp_path / "dataset", config=config, dash_root=root)


def test_a_missing_camera_names_the_episode(root, tmp_path):
    config = parse_lerobot_config({**CONFIG, "features": {
        "observation.images.side": {"camera": "cam/side"}}})
    with pytest.raises(NotFoundError, match="'lab/arm/pick-000' has no track 'cam/side'"):
        export_lerobot("lab/arm/pick-*", tmp_path / "dataset", config=config, dash_root=root)


def test_a_camera_feature_on_a_track_without_video_is_named(root, tmp_path):
    config = parse_lerobot_config({**CONFIG, "features": {
        "observation.images.front": {"camera": "robot"}}})
    with pytest.raises(LeRobotExportError, match="episode 'lab/arm/pick-000': track 'robot' "
                       "is not a camera recorded as video"):
        export_lerobot("lab/arm/pick-*", tmp_path / "dataset", config=config, dash_root=root)


def test_episodes_whose_shapes_disagree_are_named_and_nothing_is_left(root, tmp_path):
    target = tmp_path / "out" / "dataset"
    target.parent.mkdir()
    with pytest.raises(LeRobotExportError, match="episode 'lab/arm/wide-000': feature "
                       "'observation.state' has 4 values per frame .* episode "
                       "'lab/arm/pick-000' has 3"):
        export_lerobot("lab/arm/[pw]*", target, config=parse_lerobot_config(CONFIG),
                       dash_root=root)
    _no_trace(target)


def test_an_episode_without_its_task_is_named(root, tmp_path):
    with pytest.raises(LeRobotExportError, match="'lab/arm/notask-000' has no param 'task'"):
        export_lerobot("lab/arm/notask-*", tmp_path / "dataset",
                       config=parse_lerobot_config(CONFIG), dash_root=root)


def test_the_task_default_stands_in_for_a_missing_param(root, tmp_path):
    config = parse_lerobot_config({**CONFIG, "task": {"default": "tidy up"}})
    done = export_lerobot("lab/arm/notask-*", tmp_path / "dataset", config=config,
                          dash_root=root)
    assert done.tasks == ("tidy up",)


def test_a_target_holding_files_is_refused_and_kept(root, tmp_path):
    target = tmp_path / "dataset"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(LeRobotExportError, match="already exists"):
        export_lerobot("lab/arm/pick-*", target, config=parse_lerobot_config(CONFIG),
                       dash_root=root)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("change, fault", [
    ({"fps": 0}, "fps: expected a positive integer"),
    ({"fps": 29.97}, "fps: expected a positive integer"),
    ({"method": "cubic"}, "method: expected one of asof, nearest, linear"),
    ({"features": {}}, "features: expected a mapping"),
    ({"features": {"observation.state": {"camera": "cam/color"}}},
     "features\\[observation.state\\]: unknown key 'camera'"),
    ({"features": {"observation.images.front": {"track": "robot"}}},
     "features\\[observation.images.front\\]: unknown key 'track'"),
    ({"features": {"action": {"track": "robot", "columns": 3}}},
     "features\\[action\\].columns: expected a list of column names"),
    ({"features": {"index": {"track": "robot", "columns": ["q"]}}},
     "features\\[index\\]: expected a feature name other than"),
    ({"speed": 2}, "top level: unknown key 'speed'"),
], ids=lambda v: str(v)[:40])
def test_a_bad_mapping_names_the_key(change, fault):
    with pytest.raises(ConfigError, match=f"lerobot.yaml: {fault}"):
        parse_lerobot_config({**CONFIG, **change}, "lerobot.yaml")


def test_the_cli_exports_the_filtered_episodes(root, tmp_path):
    config = tmp_path / "lerobot.yaml"
    config.write_text(json.dumps(CONFIG))         # JSON is YAML
    proc = run_cli("export", "lab/arm/*", "--format", "lerobot", "--lerobot-config", config,
                   "--where", "task=place the cube", "--out", tmp_path / "dataset",
                   "--dash-root", root)
    assert (proc.returncode, proc.stdout.split(": ", 1)[-1]) == (
        0, f"1 episodes, {_ticks(1)} frames, 1 tasks, 1 videos\n"), proc.stderr


def test_the_cli_asks_for_the_lerobot_config(root, tmp_path):
    proc = run_cli("export", "lab/arm/*", "--format", "lerobot", "--out", tmp_path / "dataset",
                   "--dash-root", root)
    assert (proc.returncode, proc.stderr.strip()) == (
        1, "ml-dash-ros: error: --format lerobot needs --lerobot-config FILE.yaml (fps, task, "
           "features)")


@pytest.mark.lerobot
def test_lerobots_own_loader_reads_the_export(out):
    dataset_module = pytest.importorskip("lerobot.datasets.lerobot_dataset")
    dataset = dataset_module.LeRobotDataset("local/export", root=out, video_backend="pyav")
    item = dataset[_ticks(0)]               # the first frame of the second episode
    image = item["observation.images.front"]
    assert (len(dataset), item["task"], tuple(image.shape), float(image[2].mean()) * 255 < 3) \
        == (_ticks(0) + _ticks(1), "place the cube", (3, 48, 64), True)


def test_the_mp4_frame_rate_is_the_export_rate(out):
    import av

    with av.open(str(out / VIDEO)) as container:
        assert container.streams.video[0].average_rate == Fraction(FPS)

"""From the robot to a training set: the demo robot with its camera, recorded over DDS as
episodes of one second, exported as a LeRobot v3 dataset and read back frame-exactly."""

import json

import av
import numpy as np
import pyarrow.parquet as pq
import pytest
from sensor_msgs.msg import JointState

from ml_dash_ros.demo import stamp_image
from ml_dash_ros.tools.lerobot import export_lerobot
from test.ros.support import Listener, spawn, start_recorder, stop, wait_for_log, write_config
from test.ros.test_recorder_selection import episodes

TOPICS = """\
  - {topic: /joint_states, track: robot, fields: {position: q}}
  - {topic: /camera/color/image_raw, track: cam/color}
"""
FPS = 30
EPISODES = 5
CAMERA_PERIOD_NS = 1e9 / 30       # the demo camera's grid
LEROBOT = f"""\
fps: {FPS}
task: {{param: task}}
method: nearest
features:
  observation.state: {{track: robot, columns: [q]}}
  observation.images.front: {{camera: cam/color}}
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Record episodes of 1 s until five hold camera frames; export five of them."""
    tmp = tmp_path_factory.mktemp("demo_lerobot")
    extra = ("recorder: {max_episode_duration: 1.0}\n"
             "params: {task: wave the arm, operator: ci}\n")
    config = write_config(tmp / "map.yaml", TOPICS, dash_root=tmp / "dash", extra=extra)
    log = tmp / "recorder.log"
    with Listener({"/joint_states": JointState}) as listener:
        robot = spawn("ml_dash_ros.ros.demo_robot", log_path=tmp / "robot.log")
        recorder = start_recorder(config, log)
        try:
            assert wait_for_log(log, "/camera/color/image_raw [", timeout=60), log.read_text()
            heard = listener.count("/joint_states")
            # seven seconds of joint states after the camera is subscribed: five whole episodes
            assert listener.wait_for("/joint_states", heard + 3500, timeout=240)
            assert stop(recorder, timeout=120) == 0, log.read_text()
        finally:
            stop(recorder)
            stop(robot)
    dash = tmp / "dash"
    full = [e for e in episodes(dash)
            if _count(e, "cam/color") >= FPS * 0.8 and _count(e, "robot")]
    assert len(full) >= EPISODES, [e.prefix for e in episodes(dash)]
    chosen = full[:EPISODES]
    numbers = "".join(e.prefix[-1] for e in chosen)
    assert all(e.prefix[:-1] == chosen[0].prefix[:-1] for e in chosen), "more than 9 episodes"
    (tmp / "lerobot.yaml").write_text(LEROBOT)
    result = export_lerobot(f"{chosen[0].prefix[:-1]}[{numbers}]", tmp / "out",
                            config=tmp / "lerobot.yaml", dash_root=dash)
    return chosen, result


def _count(episode, track: str) -> int:
    """Rows of a track; 0 when the episode has none (on a busy machine the first episode
    can end before the first camera frame arrives)."""
    return sum(t["count"] for t in episode.tracks.list() if t["topic"] == track)


def _frames(path) -> list:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def _expected(episode):
    """The ticks of the export (common range of robot and camera at FPS), and at each the
    nearest robot q and the nearest camera stamp, from the recording itself."""
    robot = episode.tracks("robot").read(format="numpy")
    camera = episode.tracks("cam/color").read(format="numpy")
    first = max(robot["_ts"][0], camera["_ts"][0])
    last = min(robot["_ts"][-1], camera["_ts"][-1])
    ticks = first + np.arange(int(np.floor((last - first) * FPS + 1e-9)) + 1) / FPS

    def nearest(stamps):
        right = np.clip(np.searchsorted(stamps, ticks), 1, len(stamps) - 1)
        left = right - 1
        return np.where(ticks - stamps[left] <= stamps[right] - ticks, left, right)

    q = np.asarray(robot["q"])[nearest(robot["_ts"])]
    return ticks, q.astype(np.float32), camera["_ts"][nearest(camera["_ts"])]


def test_five_episodes_are_exported_with_their_task(exported):
    chosen, result = exported
    info = json.loads((result.path / "meta" / "info.json").read_text())
    assert (info["total_episodes"], result.tasks) == (EPISODES, ("wave the arm",))


def test_every_row_holds_the_state_and_the_frame_of_its_tick(exported):
    chosen, result = exported
    data = pq.read_table(result.path / "data" / "chunk-000" / "file-000.parquet").to_pydict()
    video = result.path / "videos" / "observation.images.front" / "chunk-000" / "file-000.mp4"
    frames = _frames(video)
    assert len(frames) == len(data["index"])
    episode_index = np.asarray(data["episode_index"])
    for number, episode in enumerate(chosen):
        rows = np.flatnonzero(episode_index == number)
        ticks, q, camera_stamps = _expected(episode)
        assert len(rows) == len(ticks), episode.prefix
        state = np.asarray([data["observation.state"][i] for i in rows], dtype=np.float32)
        assert np.array_equal(state, q), episode.prefix
        shown = [stamp_image.read_color(frames[data["index"][i]]) for i in rows]
        wanted = [round(stamp * 1e9) for stamp in camera_stamps]
        assert np.abs(np.asarray(shown) - np.asarray(wanted)).max() <= 1000, episode.prefix


def test_frames_follow_the_camera_one_by_one(exported):
    """At the camera's own rate every row takes the next frame: none repeated, none skipped."""
    chosen, result = exported
    video = result.path / "videos" / "observation.images.front" / "chunk-000" / "file-000.mp4"
    episodes_meta = pq.read_table(result.path / "meta" / "episodes" / "chunk-000"
                                  / "file-000.parquet").to_pydict()
    frames = _frames(video)
    start = 0
    for length in episodes_meta["length"]:
        stamps = np.asarray([stamp_image.read_color(f) for f in frames[start:start + length]])
        steps = np.diff(stamps)
        assert np.abs(steps - CAMERA_PERIOD_NS).max() <= 2, steps
        start += length

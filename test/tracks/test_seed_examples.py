"""Every code example of seeds/track-api.md and seeds/tracks-skill.md, run as written.

Only the import changes (``ml_dash`` -> ``ml_dash_ros``); names the documents leave undefined
(``robot``, ``env``, ``running``, ...) get small stand-ins. Each test checks what the text says.
"""

import time
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ml_dash_ros import Experiment


class _Countdown:
    """A stand-in for ``while running:``: true a few times, then false."""

    def __init__(self, n):
        self.n = n

    def __bool__(self):
        self.n -= 1
        return self.n >= 0


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Run each example in a fresh directory, so the default dash_root .dash lands there."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def experiment():
    """An open experiment for the API-reference snippets."""
    exp = Experiment(prefix="alice/reference/run").open()
    yield exp
    exp.close()


def test_track_api_basic_usage():
    from ml_dash_ros import Experiment

    with Experiment("robotics/training").run as exp:
        for step in range(1000):
            t = step / 30.0  # 30 Hz simulator clock
            exp.tracks("robot/pose").append(
                q=[0.1, -0.22, 0.45],
                e=[0.5, 0.0, 0.6],
                _ts=t,
            )

    data = Experiment("robotics/training").tracks("robot/pose").read()
    assert data["count"] == 1000
    assert data["entries"][30] == {"_ts": 1.0, "q": [0.1, -0.22, 0.45], "e": [0.5, 0.0, 0.6]}


def test_track_api_same_timestamp_merge():
    with Experiment("robotics/training").run as exp:
        exp.tracks("camera/rgb").append(frame_id=0, _ts=0.0)
        exp.tracks("camera/rgb").append(path="frame_0.png", _ts=0.0)
        # -> one row at _ts=0.0 with {frame_id: 0, path: "frame_0.png"}
        assert exp.tracks("camera/rgb").read()["entries"] == [
            {"_ts": 0.0, "frame_id": 0, "path": "frame_0.png"}]


def test_track_api_reading():
    with Experiment("robotics/training").run as exp:
        for step in range(600):
            exp.tracks("robot/pose").append(q=[step], _ts=step / 30.0)

        exp.tracks.flush()

        data = exp.tracks("robot/pose").read()
        window = exp.tracks("robot/pose").read(start_timestamp=0.0, end_timestamp=10.0)
        parquet = exp.tracks("robot/pose").read(format="parquet")

    assert data["count"] == 600
    assert window["count"] == 301
    assert window["entries"][-1]["_ts"] == 10.0
    assert pq.read_table(pa.BufferReader(parquet)).num_rows == 600


def test_track_api_flushing():
    with Experiment("robotics/training").run as exp:
        exp.tracks("robot/pose").append(q=[1.0], _ts=0.0)
        exp.tracks("imu").append(a=[1.0], _ts=0.0)
        exp.tracks("robot/pose").flush()    # flush one topic
        assert exp.tracks("robot/pose").buffered_rows == 0
        assert exp.tracks("imu").buffered_rows == 1
        exp.tracks.flush()                  # flush all topics
        assert exp.tracks.buffered_rows == 0


def test_track_api_aligning_with_frames(tmp_path):
    saved = []
    frames = SimpleNamespace(save_image=lambda frame, to: saved.append(to))  # stand-in for files
    frame = np.zeros((4, 4, 3), dtype=np.uint8)
    q_step = [0.0] * 7

    with Experiment("robotics/training").run as exp:
        exp.files = lambda name: frames  # the files API is outside this package
        for step in range(1000):
            t = step / 30.0
            fname = f"frame_{step:05d}.jpg"
            exp.files("frames").save_image(frame, to=fname)
            exp.tracks("robot/pose").append(frame=fname, q=q_step, _ts=t)

        entry = exp.tracks("robot/pose").slice().find_by_time(10.0)
    assert entry["frame"] == "frame_00300.jpg"
    assert saved[300] == entry["frame"]


def _robot():
    return SimpleNamespace(
        joint_positions=np.linspace(0, 0.6, 7), joint_velocities=np.zeros(7),
        joint_torques=np.ones(7), ee_position=np.array([0.5, 0.0, 0.3]),
        ee_quaternion=np.array([0.0, 0.0, 0.0, 1.0]), gripper_width=0.04)


def test_skill_robot_state_logging():
    robot = _robot()
    with Experiment(prefix="alice/franka/pick-place").run as exp:
        for t in range(1000):
            ts = t * 0.01  # 100Hz

            exp.tracks("robot").append(
                q=robot.joint_positions.tolist(),      # [7] joint positions
                qd=robot.joint_velocities.tolist(),    # [7] joint velocities
                tau=robot.joint_torques.tolist(),      # [7] joint torques
                ee_pos=robot.ee_position.tolist(),     # [3] end effector xyz
                ee_quat=robot.ee_quaternion.tolist(),  # [4] end effector orientation
                gripper=robot.gripper_width,           # scalar
                _ts=ts
            )
    arrays = exp.tracks("robot").read(format="numpy")
    assert arrays["q"].shape == (1000, 7)
    assert arrays["ee_quat"].shape == (1000, 4)
    assert arrays["gripper"][0] == 0.04


def test_skill_imu_logging():
    running = _Countdown(5)
    ax, ay, az, gx, gy, gz, mx, my, mz = 0.0, 0.1, 9.8, 0.0, 0.0, 0.01, 20.0, 0.0, 40.0
    imu = SimpleNamespace(temperature=31.5)

    with Experiment(prefix="alice/drone/flight-01").run as exp:
        while running:
            exp.tracks("imu").append(
                accel=[ax, ay, az],      # accelerometer [m/s²]
                gyro=[gx, gy, gz],       # gyroscope [rad/s]
                mag=[mx, my, mz],        # magnetometer [μT]
                temp=imu.temperature,    # temperature [°C]
                _ts=time.time()
            )
            time.sleep(0.001)
    data = exp.tracks("imu").read()
    assert data["count"] == 5
    assert data["entries"][0]["accel"] == [0.0, 0.1, 9.8]


def test_skill_multi_camera():
    num_frames, fps = 10, 30
    K_wrist, K_overhead = np.eye(3) * 600, np.eye(3) * 500
    T_wrist, T_overhead = np.eye(4), np.eye(4) * 2

    with Experiment(prefix="alice/manipulation/demo").run as exp:
        for frame_id in range(num_frames):
            ts = frame_id / fps

            # Each camera is a separate track
            exp.tracks("cam/wrist").append(
                path=f"frames/wrist_{frame_id:06d}.png",
                intrinsics=K_wrist.tolist(),
                pose=T_wrist.tolist(),
                _ts=ts
            )

            exp.tracks("cam/overhead").append(
                path=f"frames/overhead_{frame_id:06d}.png",
                intrinsics=K_overhead.tolist(),
                pose=T_overhead.tolist(),
                _ts=ts
            )
    wrist = exp.tracks("cam/wrist").read()["entries"]
    assert len(wrist) == 10
    assert wrist[3]["intrinsics"] == K_wrist.tolist()
    assert exp.tracks("cam/overhead").read()["entries"][9]["path"] == "frames/overhead_000009.png"


def test_skill_force_torque():
    inserting = _Countdown(3)
    fx, fy, fz, tx, ty, tz, is_contact = 1.0, 2.0, 3.0, 0.1, 0.2, 0.3, True

    with Experiment(prefix="alice/assembly/insertion").run as exp:
        while inserting:
            exp.tracks("ft_sensor").append(
                force=[fx, fy, fz],      # [N]
                torque=[tx, ty, tz],     # [Nm]
                contact=is_contact,      # bool
                _ts=time.time()
            )
            time.sleep(0.001)
    entries = exp.tracks("ft_sensor").read()["entries"]
    assert len(entries) == 3
    assert entries[0]["contact"] is True


def test_skill_api_reference_tracks(experiment):
    builder = experiment.tracks("robot")
    builder = experiment.tracks("imu")
    builder = experiment.tracks("cam/wrist")
    assert builder.topic == "cam/wrist"


def test_skill_api_reference_append_flush_read(experiment):
    experiment.tracks("robot").append(
        q=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
        qd=[0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07],
        gripper=0.04,
        _ts=1.5
    )
    experiment.tracks("robot").append(q=[0.0] * 7, ee_pos=[1.0, 2.0, 3.0], _ts=7.0)

    experiment.tracks("robot").flush()  # Flush one track
    experiment.tracks.flush()           # Flush all tracks

    # All data
    data = experiment.tracks("robot").read()
    assert data["count"] == 2

    # Time range
    data = experiment.tracks("robot").read(
        start_timestamp=5.0,
        end_timestamp=10.0
    )
    assert [e["_ts"] for e in data["entries"]] == [7.0]

    # Specific columns only
    data = experiment.tracks("robot").read(columns=["q", "ee_pos"])
    assert data["entries"][1] == {"_ts": 7.0, "q": [0.0] * 7, "ee_pos": [1.0, 2.0, 3.0]}
    assert set(data["entries"][0]) == {"_ts", "q"}

    # Export formats: json, jsonl, parquet, mocap
    parquet = experiment.tracks("robot").read(format="parquet")
    assert parquet[:4] == b"PAR1"


def test_skill_timestamp_required(experiment):
    # Valid
    experiment.tracks("imu").append(accel=[0, 0, 9.8], _ts=0.0)

    # Invalid - raises ValueError
    with pytest.raises(ValueError):
        experiment.tracks("imu").append(accel=[0, 0, 9.8])  # Missing _ts!


def test_skill_same_timestamp_merging(experiment):
    experiment.tracks("robot").append(q=[0.1, 0.2], _ts=1.0)
    experiment.tracks("robot").append(gripper=0.04, _ts=1.0)
    # Result: {_ts: 1.0, q: [0.1, 0.2], gripper: 0.04}
    assert experiment.tracks("robot").read()["entries"] == [
        {"_ts": 1.0, "q": [0.1, 0.2], "gripper": 0.04}]


def test_skill_method_chaining(experiment):
    experiment.tracks("robot") \
        .append(q=[0.1], _ts=0.0) \
        .append(q=[0.2], _ts=0.1) \
        .flush()
    assert experiment.tracks("robot").written_rows == 2


def test_skill_complete_robotics_example():
    from ml_dash_ros import Experiment
    import numpy as np  # noqa: F811 (as in the document)

    env = SimpleNamespace(robot=SimpleNamespace(
        q=np.zeros(7), qd=np.zeros(7), tau=np.zeros(7), ee_pos=np.array([0.5, 0.0, 0.3]),
        ee_quat=np.array([0.0, 0.0, 0.0, 1.0]), gripper_pos=0.02))
    action = np.arange(8, dtype=np.float64)

    with Experiment(prefix="alice/franka/demo-001").run as exp:
        exp.params.set(
            robot="franka_panda",
            task="pick_and_place",
            control_freq=100
        )

        dt = 0.01
        for step in range(10000):
            ts = step * dt

            # Robot state - all fields in one call
            exp.tracks("robot").append(
                q=env.robot.q.tolist(),
                qd=env.robot.qd.tolist(),
                tau=env.robot.tau.tolist(),
                ee_pos=env.robot.ee_pos.tolist(),
                ee_quat=env.robot.ee_quat.tolist(),
                gripper_pos=env.robot.gripper_pos,
                _ts=ts
            )

            # Action commanded
            exp.tracks("action").append(
                target_q=action[:7].tolist(),
                target_gripper=action[7],
                _ts=ts
            )

            # Observations
            if step % 10 == 0:  # 10Hz camera
                exp.tracks("obs").append(
                    rgb_path=f"rgb/{step:06d}.png",
                    depth_path=f"depth/{step:06d}.png",
                    _ts=ts
                )

        # Read back for analysis
        robot_data = exp.tracks("robot").read(
            start_timestamp=0.0,
            end_timestamp=5.0,
            columns=["q", "ee_pos"]
        )

    assert robot_data["count"] == 501
    assert set(robot_data["entries"][0]) == {"_ts", "q", "ee_pos"}
    assert exp.params.get() == {"robot": "franka_panda", "task": "pick_and_place",
                                "control_freq": 100}
    assert {t["topic"]: t["count"] for t in exp.tracks.list()} == {
        "action": 10000, "obs": 1000, "robot": 10000}
    assert exp.tracks("action").read(end_timestamp=0.0)["entries"] == [
        {"_ts": 0.0, "target_q": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "target_gripper": 7.0}]


def test_skill_tracks_vs_metrics(experiment):
    # TRACKS: robotics data with explicit timestamps
    experiment.tracks("robot").append(q=[0.1, 0.2], ee_pos=[0.5, 0.0, 0.3], _ts=1.5)

    # METRICS: training metrics (auto-indexed)
    experiment.metrics("train").log(loss=0.5, accuracy=0.92, epoch=10)

    experiment.metrics("train").log(loss=0.4, accuracy=0.93, epoch=11)
    points = experiment.metrics("train").read()["data"]
    assert [(p["index"], p["data"]["loss"]) for p in points] == [(0, 0.5), (1, 0.4)]


def test_design_contract_example():
    from ml_dash_ros import Experiment

    with Experiment(prefix="alice/franka/pick-place", dash_root=".dash").run as exp:
        exp.params.set(robot="franka_panda", control_freq=100)
        exp.tracks("robot").append(q=[0.1] * 7, gripper=0.04, _ts=1.5)
        exp.tracks("robot").append(tau=[0.0] * 7, _ts=1.5)        # merges into the same row
        exp.tracks.flush()
        window = exp.tracks("robot").read(start_timestamp=1.0, end_timestamp=2.0, columns=["q"])
    assert window == {"entries": [{"_ts": 1.5, "q": [0.1] * 7}], "count": 1}
    assert exp.tracks("robot").read()["entries"][0]["tau"] == [0.0] * 7

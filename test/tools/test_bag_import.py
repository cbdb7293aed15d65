"""Bag import: the same tracks and counts as the live recorder given the same messages.

The "live" side runs the recorder's own ``TopicRecorder`` (what the node's subscription
callback calls; it imports no rclpy) on the original message objects, with the bag's log time
as its clock, appending through the Track API exactly as the node does.
"""

import json
import math
import shutil

import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.mapping import load_config
from ml_dash_ros.ros.topic_recorder import TopicRecorder
from ml_dash_ros.tracks.store.contract import EVENTS_TRACK
from ml_dash_ros.tools.bag_import import BagError, RecordingExistsError, import_bag

from test.tools import bags

STORAGES = ("sqlite3", "mcap")
LOG0 = bags.T0 + 0.5


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Write both bags and the mapping; import each; record the live reference."""
    root = tmp_path_factory.mktemp("bags")
    mapping = root / "map.yaml"
    mapping.write_text(bags.MAPPING.format(dash_root=root / "dash"))
    config = load_config(mapping)
    out = {"root": root, "mapping": mapping, "config": config}
    for storage in STORAGES:
        bag = bags.write_bag(root / f"bag-{storage}", storage)
        out[storage] = import_bag(bag, config, prefix=f"import/{storage}")
    out["live"] = live_recording(config, root / "dash", "live/reference")
    return out


def live_recording(config, dash_root, prefix):
    """Feed the scenario to the recorder's TopicRecorders; return {topic: recorder}."""
    exp = Experiment(prefix, dash_root=dash_root).open()
    clock = [0.0]

    def append(track, fields, ts):
        exp.tracks(track).append(_ts=ts, **fields)

    recorders = {t.topic: TopicRecorder(t, append, lambda: clock[0]) for t in config.topics}
    for topic, msgtype, ns, msg in bags.scenario_messages():
        if topic in recorders and msgtype != bags.UNKNOWN:  # the node cannot subscribe to it
            clock[0] = ns * 1e-9
            recorders[topic].on_message(msg)
    exp.close()
    return recorders


def tracks_of(world, prefix):
    """Return {track: rows as JSON text} (NaN-safe comparison) of a recording."""
    exp = Experiment(prefix, dash_root=world["root"] / "dash")
    out = {}
    for info in exp.tracks.list():
        if info["topic"] == EVENTS_TRACK:     # the import's own record, not a topic's track
            continue
        table = exp.tracks(info["topic"]).read(format="arrow")
        out[info["topic"]] = (str(table.schema), json.dumps(table.to_pylist()))
    return out


def read(world, storage, track):
    exp = Experiment(f"import/{storage}-001", dash_root=world["root"] / "dash")
    return exp.tracks(track).read(format="json")["entries"]


@pytest.mark.parametrize("storage", STORAGES)
def test_import_writes_the_tracks_the_live_recorder_writes(world, storage):
    live = tracks_of(world, "live/reference")
    assert len(live) == 8
    assert tracks_of(world, f"import/{storage}-001") == live


@pytest.mark.parametrize("storage", STORAGES)
@pytest.mark.parametrize("key", ["received", "entries"])
def test_import_counts_match_the_live_recorder(world, storage, key):
    rows = world[storage].topics
    live = {topic: getattr(rec.counts, key) for topic, rec in world["live"].items()
            if topic != "/custom"}
    assert {topic: rows[topic][key] for topic in live} == live


@pytest.mark.parametrize("storage", STORAGES)
def test_import_pipeline_counters_match_the_live_recorder(world, storage):
    rows = world[storage].topics
    for topic, recorder in world["live"].items():
        for key, value in recorder.pipeline.counts.items():
            assert rows[topic][key] == value, (topic, key)


@pytest.mark.parametrize("storage", STORAGES)
def test_a_type_without_definition_is_skipped_and_counted(world, storage):
    row = world[storage].topics["/custom"]
    assert (row["received"], row["undecodable"], row["dropped"], row["entries"]) == (5, 5, 5, 0)
    assert "no message definition" in row["skipped"]


@pytest.mark.parametrize("storage", STORAGES)
def test_a_custom_type_with_its_definition_in_the_bag_is_decoded(world, storage):
    values = [e["value"] for e in read(world, storage, "known")]
    assert values == [0.0, 4.0, 8.0, 12.0, 16.0]


@pytest.mark.parametrize("storage", STORAGES)
def test_a_zero_stamp_under_header_policy_is_dropped_and_counted(world, storage):
    row = world[storage].topics["/joint_states"]
    assert (row["no_stamp"], row["dropped"], len(read(world, storage, "robot"))) == (1, 1, 39)


@pytest.mark.parametrize("storage", STORAGES)
def test_a_zero_stamp_under_header_or_receive_takes_the_log_time(world, storage):
    entries = read(world, storage, "imu")
    fallback = [e for e in entries if e["_ts"] == e["_recv_ts"]]
    assert [e["_ts"] for e in fallback] == [pytest.approx(LOG0 + 0.06 + 1e-6, abs=1e-6)]


@pytest.mark.parametrize("storage", STORAGES)
def test_nan_efforts_are_kept(world, storage):
    first = read(world, storage, "robot")[0]
    assert math.isnan(first["tau"][0])
    assert first["tau"][1] == 0.5


@pytest.mark.parametrize("storage", STORAGES)
def test_empty_velocity_arrays_stay_empty_lists(world, storage):
    entries = read(world, storage, "robot")
    assert entries[0]["qd"] == []
    assert "qd.j0" not in entries[0]
    assert entries[1]["qd"] == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("storage", STORAGES)
def test_out_of_order_tf_stamps_are_all_kept_in_time_order(world, storage):
    entries = read(world, storage, "tf/tool0")
    assert [e["_ts"] - LOG0 for e in entries] == pytest.approx([0.05, 0.10, 0.20, 0.30], abs=1e-6)
    assert [e["translation"][0] for e in entries] == pytest.approx([0.1, 0.0, 0.3, 0.2])


@pytest.mark.parametrize("storage", STORAGES)
def test_tf_static_goes_into_the_recording(world, storage):
    (camera,) = read(world, storage, "tf_static/camera")
    assert (camera["parent"], camera["_ts"]) == ("base", pytest.approx(bags.T0 + 0.25, abs=1e-6))


@pytest.mark.parametrize("storage", STORAGES)
def test_on_change_keeps_only_changed_camera_info(world, storage):
    widths = [e["width"] for e in read(world, storage, "cam/color/info")]
    assert widths == [640, 1280]
    assert world[storage].topics["/camera/color/camera_info"]["unchanged"] == 8


def test_recorder_json_has_the_live_shape_and_the_bag(world):
    doc = json.loads((world["mcap"].path / "recorder.json").read_text())
    row = doc["topics"]["/joint_states"]
    assert {"received", "entries", "written", "dropped", "tracks", "rate"} <= set(row)
    assert doc["source"] == "bag"
    assert doc["storage"] == "mcap"
    assert row["written"] == 39


def test_unmapped_topics_are_counted_and_not_read(world):
    assert world["sqlite3"].unmapped == {"/chatter": 4}


def test_the_experiment_is_closed_as_completed(world):
    status = json.loads((world["sqlite3"].path / "experiment.json").read_text())
    assert status["status"] == "completed"


def test_a_bare_mcap_file_imports(world, tmp_path):
    bare = bags.bare_mcap(world["root"] / "bag-mcap", tmp_path / "robot.mcap")
    report = import_bag(bare, world["config"], prefix="bare/mcap", dash_root=tmp_path / "d")
    assert (report.storage, report.entries) == ("mcap", world["mcap"].entries)


def test_a_bag_without_stored_definitions_uses_the_builtin_types(world, tmp_path):
    bag = bags.write_bag(tmp_path / "old")
    bags.drop_definitions(bag)
    report = import_bag(bag, world["config"], prefix="old/bag", dash_root=tmp_path / "d")
    assert report.topics["/joint_states"]["entries"] == 39
    assert report.topics["/known"]["undecodable"] == 5


def test_a_type_whose_definition_row_is_missing_is_skipped(world, tmp_path):
    bag = bags.write_bag(tmp_path / "nodef")
    bags.drop_definitions(bag, bags.UNKNOWN)
    report = import_bag(bag, world["config"], prefix="nodef/bag", dash_root=tmp_path / "d")
    assert report.topics["/custom"]["undecodable"] == 5


def test_an_existing_recording_is_refused_and_left_alone(world):
    path = world["sqlite3"].path
    before = (path / "recorder.json").read_bytes()
    with pytest.raises(RecordingExistsError, match="already holds a recording"):
        import_bag(world["root"] / "bag-sqlite3", world["config"], prefix="import/sqlite3")
    assert (path / "recorder.json").read_bytes() == before


def test_a_missing_bag_raises_bag_error(world, tmp_path):
    with pytest.raises(BagError, match="does not exist"):
        import_bag(tmp_path / "nope", world["config"], dash_root=tmp_path / "d")


def test_a_directory_that_is_not_a_bag_raises_bag_error(world, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(BagError, match="not a rosbag2 directory"):
        import_bag(tmp_path / "empty", world["config"], dash_root=tmp_path / "d")


def test_a_corrupt_bag_raises_bag_error_and_records_nothing(world, tmp_path):
    bag = shutil.copytree(world["root"] / "bag-sqlite3", tmp_path / "broken")
    next(bag.glob("*.db3")).write_bytes(b"this is not a sqlite database" * 100)
    with pytest.raises(BagError, match="cannot read bag"):
        import_bag(bag, world["config"], prefix="broken/bag", dash_root=tmp_path / "d")
    assert not (tmp_path / "d" / "broken").exists()


def test_a_type_other_than_the_mapping_declares_is_skipped(world, tmp_path):
    mapping = tmp_path / "typed.yaml"
    mapping.write_text(f"experiment: {{prefix: typed/run, dash_root: {tmp_path / 'd'}}}\n"
                       "topics:\n  - {topic: /imu/data, type: sensor_msgs/msg/JointState}\n")
    report = import_bag(world["root"] / "bag-mcap", mapping)
    assert report.topics["/imu/data"]["undecodable"] == 20
    assert "the mapping says sensor_msgs/msg/JointState" in report.topics["/imu/data"]["skipped"]


def test_prefix_and_dash_root_default_to_the_mapping(world, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text(f"experiment: {{prefix: from/mapping, dash_root: {tmp_path / 'd'}}}\n"
                       "topics:\n  - {topic: /imu/data, track: imu}\n")
    report = import_bag(world["root"] / "bag-mcap", mapping)
    assert report.path == tmp_path / "d" / "from" / "mapping-001"


def test_progress_reports_done_and_total(world, tmp_path):
    calls = []
    import_bag(world["root"] / "bag-mcap", world["config"], prefix="p/run",
               dash_root=tmp_path / "d", progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (world["mcap"].messages, world["mcap"].messages)

"""Several processes on one dash_root: different topics, different prefixes, same topic."""

import signal

import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import TopicBusyError

from .conftest import start_py

WRITER = """
    import sys
    from ml_dash_ros import Experiment
    root, prefix, topic, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    with Experiment(prefix, dash_root=root, batch_size=97, flush_interval=0.01).run as exp:
        b = exp.tracks(topic)
        for i in range(n):
            b.append(v=i, who=topic, _ts=i * 0.001)
            if i % 500 == 0:
                exp.params.set(**{topic.replace("/", "_"): i})
    print("done", flush=True)
"""

HOLDER = """
    import sys
    from ml_dash_ros import Experiment
    exp = Experiment("p", dash_root=sys.argv[1]).open()
    exp.tracks("robot").append(v=1, _ts=0.0)
    print("holding", flush=True)
    sys.stdin.readline()
    exp.close()
"""


def run_writers(dash_root, jobs):
    procs = [start_py(WRITER, dash_root, *job) for job in jobs]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err


def test_two_processes_write_different_topics_of_one_prefix(dash_root):
    run_writers(dash_root, [("p", "robot/a", 3000), ("p", "robot/b", 3000)])
    exp = Experiment("p", dash_root=dash_root)
    for topic in ("robot/a", "robot/b"):
        data = exp.tracks(topic).read()
        assert data["count"] == 3000
        assert {e["who"] for e in data["entries"]} == {topic}
    assert exp.params.get() == {"robot_a": 2500, "robot_b": 2500}


def test_two_processes_write_different_prefixes_of_one_root(dash_root):
    run_writers(dash_root, [("lab/run1", "robot", 3000), ("lab/run2", "robot", 2000)])
    assert Experiment("lab/run1", dash_root=dash_root).tracks("robot").read()["count"] == 3000
    assert Experiment("lab/run2", dash_root=dash_root).tracks("robot").read()["count"] == 2000


def test_same_topic_from_second_process_is_refused_clearly(dash_root):
    holder = start_py(HOLDER, dash_root)
    assert holder.stdout.readline() == "holding\n"
    try:
        exp = Experiment("p", dash_root=dash_root).open()
        with pytest.raises(TopicBusyError, match=r"'robot'.*prefix 'p'.*\.writer\.lock"):
            exp.tracks("robot").append(v=2, _ts=1.0)
        exp.tracks("other").append(v=3, _ts=1.0)  # other topics of the prefix are fine
        exp.close()
    finally:
        holder.communicate("\n", timeout=30)
    assert Experiment("p", dash_root=dash_root).tracks("robot").read()["count"] == 1


def test_lock_is_released_when_the_holder_is_killed(dash_root):
    holder = start_py(HOLDER, dash_root)
    assert holder.stdout.readline() == "holding\n"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with Experiment("p", dash_root=dash_root).run as exp:
        exp.tracks("robot").append(v=2, _ts=1.0)


def test_same_topic_twice_in_one_process_is_refused(dash_root):
    first = Experiment("p", dash_root=dash_root).open()
    first.tracks("robot").append(v=1, _ts=0.0)
    second = Experiment("p", dash_root=dash_root).open()
    with pytest.raises(TopicBusyError):
        second.tracks("robot").append(v=2, _ts=1.0)
    second.close()
    first.close()

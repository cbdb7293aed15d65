"""Background flushing: batch size, interval, settings, back-pressure, exit paths."""

import subprocess
import threading
import time

import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.errors import ConfigError, StoreError
from ml_dash_ros.tracks.store import segments

from .conftest import run_py


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def immutable_dirs():
    """Make directories read-only for root too (chattr +i); undo at teardown."""
    dirs = []

    def freeze(path):
        subprocess.run(["chattr", "+i", str(path)], check=True)
        dirs.append(path)

    def thaw():
        while dirs:
            subprocess.run(["chattr", "-i", str(dirs.pop())], check=False)

    freeze.thaw = thaw
    yield freeze
    thaw()


def test_batch_size_triggers_background_flush(dash_root):
    with Experiment("p", dash_root=dash_root, batch_size=100, flush_interval=60).run as exp:
        b = exp.tracks("r")
        for i in range(250):
            b.append(v=i, _ts=float(i))
        assert wait_for(lambda: b.written_rows >= 200)


def test_interval_triggers_background_flush(dash_root):
    with Experiment("p", dash_root=dash_root, batch_size=10_000, flush_interval=0.2).run as exp:
        b = exp.tracks("r").append(v=1, _ts=0.0)
        assert wait_for(lambda: b.written_rows == 1)


def test_settings_come_from_environment(dash_root, monkeypatch):
    monkeypatch.setenv("ML_DASH_FLUSH_INTERVAL", "0.3")
    monkeypatch.setenv("ML_DASH_TRACK_BATCH_SIZE", "7")
    monkeypatch.setenv("ML_DASH_MAX_BUFFER_ROWS", "50")
    s = Experiment("p", dash_root=dash_root).settings
    assert (s.flush_interval, s.batch_size, s.max_buffer_rows) == (0.3, 7, 50)


def test_arguments_override_environment(dash_root, monkeypatch):
    monkeypatch.setenv("ML_DASH_TRACK_BATCH_SIZE", "7")
    assert Experiment("p", dash_root=dash_root, batch_size=9).settings.batch_size == 9


def test_defaults_without_environment(dash_root, monkeypatch):
    for name in ("ML_DASH_FLUSH_INTERVAL", "ML_DASH_TRACK_BATCH_SIZE", "ML_DASH_MAX_BUFFER_ROWS"):
        monkeypatch.delenv(name, raising=False)
    s = Experiment("p", dash_root=dash_root).settings
    assert (s.flush_interval, s.batch_size, s.max_buffer_rows) == (5.0, 100_000, 200_000)


@pytest.mark.parametrize("value", ["fast", "-1", "0"])
def test_bad_environment_value_is_refused(dash_root, monkeypatch, value):
    monkeypatch.setenv("ML_DASH_FLUSH_INTERVAL", value)
    with pytest.raises(ConfigError, match="ML_DASH_FLUSH_INTERVAL"):
        Experiment("p", dash_root=dash_root)


def test_back_pressure_bounds_memory_and_drops_nothing(dash_root, monkeypatch):
    real_write = segments.write_segment

    def slow_write(*args, **kwargs):
        time.sleep(0.02)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(segments, "write_segment", slow_write)
    with Experiment("p", dash_root=dash_root, batch_size=10, max_buffer_rows=50,
                    flush_interval=60).run as exp:
        b = exp.tracks("r")
        peak = 0
        for i in range(600):
            b.append(v=i, _ts=float(i))
            peak = max(peak, exp.tracks.buffered_rows)
        assert peak <= 50
        assert b.read()["count"] == 600


def test_back_pressure_gives_up_with_store_error_when_store_fails(dash_root, immutable_dirs):
    with Experiment("p", dash_root=dash_root, batch_size=5, max_buffer_rows=20,
                    flush_interval=0.05, block_timeout=0.5).run as exp:
        b = exp.tracks("r").append(v=-1, _ts=-1.0)
        b.flush()
        immutable_dirs(b.path)
        with pytest.raises(StoreError, match="NOT recorded"):
            for i in range(100):
                b.append(v=i, _ts=float(i))
        kept = b.buffered_rows
        assert kept == i  # every accepted row is still buffered
        immutable_dirs.thaw()
        assert b.read()["count"] == kept + 1


def test_background_failure_is_raised_by_next_flush(dash_root, immutable_dirs):
    exp = Experiment("p", dash_root=dash_root, flush_interval=0.05).open()
    b = exp.tracks("r").append(v=0, _ts=0.0)
    b.flush()
    immutable_dirs(b.path)
    b.append(v=1, _ts=1.0)
    assert wait_for(lambda: b.store_error is not None)
    with pytest.raises(StoreError, match="cannot write segment"):
        b.flush()
    immutable_dirs.thaw()
    exp.close()
    assert b.read()["count"] == 2


def test_appends_from_threads_under_back_pressure(dash_root):
    with Experiment("p", dash_root=dash_root, batch_size=20, max_buffer_rows=100).run as exp:
        b = exp.tracks("r")

        def work(k):
            for i in range(1000):
                b.append(v=i, _ts=k * 1000.0 + i)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert b.read()["count"] == 3000


def test_interpreter_exit_flushes_and_closes(dash_root):
    run_py("""
        import sys
        from ml_dash_ros import Experiment
        exp = Experiment("p", dash_root=sys.argv[1], flush_interval=60)
        for i in range(10):
            exp.tracks("r").append(v=i, _ts=float(i))
    """, dash_root)
    exp = Experiment("p", dash_root=dash_root)
    assert exp.tracks("r").read()["count"] == 10
    assert exp.status()["status"] == "completed"


def test_run_exit_flushes(dash_root):
    with Experiment("p", dash_root=dash_root, flush_interval=60).run as exp:
        exp.tracks("r").append(v=1, _ts=0.0)
    assert exp.tracks("r").buffered_rows == 0
    assert len(list(exp.tracks("r").path.glob("seg-*.parquet"))) == 1

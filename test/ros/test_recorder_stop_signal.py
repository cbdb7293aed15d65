"""SIGINT / SIGTERM never interrupt a callback of the recorder: they end its spin loop.

rclpy's own handler raised KeyboardInterrupt wherever the main thread was, often inside a
subscription callback: the message was counted as received and not written, and an append
cut between two columns left the buffer unreadable (every buffered row lost at close).
"""

import signal

import pytest

from ml_dash_ros.ros.recorder_main import StopSignal


@pytest.fixture
def handlers():
    """Put the test process's SIGINT / SIGTERM handlers back after the test."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_spinning_only_asks_the_loop_to_stop(handlers, sig):
    stop = StopSignal()
    stop.spinning = True
    signal.raise_signal(sig)            # no exception here, in the middle of "a callback"
    assert stop.requested


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_starting_stops_at_once(handlers, sig):
    stop = StopSignal()
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(sig)
    assert stop.requested

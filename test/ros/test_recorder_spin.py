"""The recorder's spin loop survives errors raised by the executor itself.

rclpy's EventsExecutor has once raised from ``spin_once`` under load; that fault cannot be
triggered on demand, so a real executor is wrapped to raise on cue. The node, its timer and
the executors are real.
"""

import itertools

import pytest
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.experimental import EventsExecutor

from ml_dash_ros.ros import recorder_main


class FailingExecutor:
    """A real EventsExecutor whose first ``failures`` spin_once calls raise RuntimeError."""

    def __init__(self, context, failures: int) -> None:
        self.inner = EventsExecutor(context=context)
        self.failures = failures

    def add_node(self, node) -> None:
        self.inner.add_node(node)

    def remove_node(self, node) -> None:
        self.inner.remove_node(node)

    def spin_once(self, timeout_sec=None) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("Unable to convert call argument '0' to Python object")
        self.inner.spin_once(timeout_sec=timeout_sec)


@pytest.fixture
def node():
    context = rclpy.Context()
    rclpy.init(context=context)
    node = rclpy.create_node("spin_probe", context=context)
    node.executor_errors = 0
    node.ticks = 0

    def tick():
        node.ticks += 1
    node.create_timer(0.01, tick)
    yield node
    node.destroy_node()
    rclpy.shutdown(context=context)


def until(node, ticks: int, limit: int = 2000):
    """Return an ``ok()`` that stays true until the node's timer fired ``ticks`` times."""
    calls = itertools.count()
    return lambda: node.ticks < ticks and next(calls) < limit


def test_a_few_executor_errors_are_counted_and_dispatch_goes_on(node):
    executor = FailingExecutor(node.context, failures=3)
    executor.add_node(node)
    used = recorder_main.spin(executor, node, ok=until(node, 5))
    assert used is executor
    assert node.executor_errors == 3
    assert node.ticks >= 5  # the timer still fired after the errors


def test_repeated_executor_errors_move_the_node_to_the_single_threaded_executor(node):
    executor = FailingExecutor(node.context, failures=1000)
    executor.add_node(node)
    used = recorder_main.spin(executor, node, ok=until(node, 5))
    assert isinstance(used, SingleThreadedExecutor)
    assert node.executor_errors == recorder_main.MAX_EXECUTOR_ERRORS
    assert node.ticks >= 5


def test_an_error_while_shutting_down_ends_the_loop_quietly(node):
    executor = FailingExecutor(node.context, failures=1)
    executor.add_node(node)
    answers = iter([True, False])
    used = recorder_main.spin(executor, node, ok=lambda: next(answers))
    assert used is executor
    assert node.executor_errors == 0

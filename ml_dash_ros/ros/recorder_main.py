"""``recorder`` console script: run the recorder node until SIGINT / SIGTERM, then close cleanly.

ros2 run ml_dash_ros recorder --ros-args -p config:=robot.yaml [-p prefix:=...] [-p dash_root:=...]
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Callable

import rclpy
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions

from ml_dash_ros.errors import MlDashRosError
from ml_dash_ros.ros.status import summary_table

# rclpy's EventsExecutor dispatches messages at a fraction of the single-threaded executor's
# CPU (benchmarks/RESULTS.md). With the Kilted PyPI wheels (rclpy 9.1.2) its spin() busy-loops
# without dispatching and ignores SIGINT, but spin_once() works, so the recorder drives either
# executor with its own spin_once loop. ML_DASH_ROS_EXECUTOR=single selects the other one.
EXECUTOR_ENV = "ML_DASH_ROS_EXECUTOR"


def make_executor(context=None, logger_name: str = "recorder"):
    """Return the executor the recorder spins on (events unless the environment says single).

    Where rclpy has no usable EventsExecutor (Humble, early Jazzy releases, an RMW it does not
    support), log why and return a ``SingleThreadedExecutor``.
    """
    if os.environ.get(EXECUTOR_ENV, "events") == "single":
        return SingleThreadedExecutor(context=context)
    try:
        from rclpy.experimental import EventsExecutor
        return EventsExecutor(context=context)
    except Exception as err:  # noqa: BLE001 - ImportError on older rclpy, any error from C++
        rclpy.logging.get_logger(logger_name).warning(
            f"rclpy's EventsExecutor is not usable here ({type(err).__name__}: {err}): "
            "using the single-threaded executor")
    return SingleThreadedExecutor(context=context)


# A dispatch error in the executor itself (not in our callbacks, which count their own errors)
# is logged and spinning goes on: stopping would end the recording. rclpy 9.1.2's EventsExecutor
# has been seen to raise "Unable to convert call argument '0' to Python object" once, under
# load. After this many such errors the recorder moves its node to the single-threaded executor.
MAX_EXECUTOR_ERRORS = 10


def spin(executor, node: Node, ok: Callable[[], bool] = rclpy.ok):
    """Dispatch callbacks until ``ok()`` is false (SIGINT / SIGTERM); return the executor used.

    Errors raised by ``executor.spin_once`` are logged and counted in ``node.executor_errors``;
    after ``MAX_EXECUTOR_ERRORS`` of them the node moves to a ``SingleThreadedExecutor``.
    """
    while ok():
        try:
            executor.spin_once(timeout_sec=0.1)
        except (KeyboardInterrupt, ExternalShutdownException):
            raise
        except Exception as err:  # noqa: BLE001 - any executor failure must not end the recording
            if not ok():
                return executor  # raced with shutdown: nothing left to dispatch
            node.executor_errors += 1
            node.get_logger().error(  # at most once a second: a persistent fault must not flood
                f"executor error {node.executor_errors} (recording goes on): "
                f"{type(err).__name__}: {err}", throttle_duration_sec=1.0)
            if node.executor_errors == MAX_EXECUTOR_ERRORS and \
                    not isinstance(executor, SingleThreadedExecutor):
                node.get_logger().warning(
                    f"{MAX_EXECUTOR_ERRORS} executor errors: switching to the "
                    f"single-threaded executor (set {EXECUTOR_ENV}=single to start with it)")
                executor.remove_node(node)
                executor = SingleThreadedExecutor(context=node.context)
                executor.add_node(node)
    return executor


class StopSignal:
    """The recorder's SIGINT / SIGTERM handler.

    While the node spins, a signal only asks the spin loop to stop after the callback it is
    in: rclpy's own handler raised KeyboardInterrupt inside a subscription callback, which
    cut an append in half (a message counted as received and not written). While starting,
    before anything is recorded, it stops at once.
    """

    def __init__(self) -> None:
        """Install the handler for SIGINT and SIGTERM."""
        self.requested = False
        self.spinning = False
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self)

    def __call__(self, signum: int, frame: object) -> None:
        """Note the request; raise KeyboardInterrupt unless the node spins."""
        self.requested = True
        if not self.spinning:
            raise KeyboardInterrupt


def main(args: list[str] | None = None) -> int:
    """Record until a signal or ``recorder.max_duration``; close everything; exit 0.

    A bad configuration exits 2, a failure to close 1.
    """
    from ml_dash_ros.ros.recorder_node import RecorderNode

    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    stop = StopSignal()
    node = None
    code = 0
    try:
        try:
            node = RecorderNode()     # closes what it opened if a signal interrupts it
        except Exception:
            if rclpy.ok() and not stop.requested:   # a real failure, not a stop signal
                raise
        if node is not None and not stop.requested:
            executor = make_executor()
            executor.add_node(node)
            stop.spinning = True
            spin(executor, node, lambda: not stop.requested and rclpy.ok()
                 and not node.finished)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except MlDashRosError as err:
        print(f"recorder: {err}", file=sys.stderr)
        code = 2
    finally:
        stopping = time.monotonic()
        # A second SIGINT / SIGTERM (ros2 launch sends both) must not cut the final flush short.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        if node is not None:
            experiment = node.experiment
            try:
                node.close_episode()
            except MlDashRosError as err:
                print(f"recorder: closing failed, the recording is marked incomplete and the "
                      f"rows still buffered are lost (counted as lost_at_close in "
                      f"recorder.json): {err}", file=sys.stderr)
                code = 1
            if experiment is not None:
                _log_summary(node, experiment)
            node.destroy_node()
        rclpy.try_shutdown()
        print(f"recorder: exiting {time.monotonic() - stopping:.2f} s after the stop signal",
              file=sys.stderr, flush=True)
    return code


def _log_summary(node, experiment) -> None:
    """Log the exit summary of the closed episode: per topic counts and where they went."""
    try:
        table = summary_table(node.status_rows(experiment))
    except Exception as err:  # noqa: BLE001 - a summary must not change how the recorder exits
        print(f"recorder: no summary: {type(err).__name__}: {err}", file=sys.stderr)
        return
    # stderr, not the node logger: after a signal the context is shut down and rosout is gone.
    print(f"recorder: recorded {experiment.path}:\n{table}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())

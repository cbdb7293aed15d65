"""``recorder`` console script: run the recorder node until SIGINT / SIGTERM, then close cleanly.

ros2 run ml_dash_ros recorder --ros-args -p config:=robot.yaml [-p prefix:=...] [-p dash_root:=...]
"""

from __future__ import annotations

import os
import signal
import sys

import rclpy
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor

from ml_dash_ros.errors import MlDashRosError

# rclpy's EventsExecutor dispatches messages at a fraction of the single-threaded executor's
# CPU (benchmarks/RESULTS.md). With the Kilted PyPI wheels (rclpy 9.1.2) its spin() busy-loops
# without dispatching and ignores SIGINT, but spin_once() works, so the recorder drives either
# executor with its own spin_once loop. ML_DASH_ROS_EXECUTOR=single selects the other one.
EXECUTOR_ENV = "ML_DASH_ROS_EXECUTOR"


def make_executor(context=None):
    """Return the executor the recorder spins on (events unless the environment says single)."""
    if os.environ.get(EXECUTOR_ENV, "events") == "single":
        return SingleThreadedExecutor(context=context)
    from rclpy.experimental import EventsExecutor
    return EventsExecutor(context=context)


def spin(executor) -> None:
    """Dispatch callbacks until the context shuts down (SIGINT / SIGTERM)."""
    while rclpy.ok():
        executor.spin_once(timeout_sec=0.1)


def main(args: list[str] | None = None) -> int:
    """Record until a signal; flush and close everything; exit 0 (2 on a bad configuration)."""
    from ml_dash_ros.ros.recorder_node import RecorderNode

    rclpy.init(args=args)
    node = None
    code = 0
    try:
        node = RecorderNode()
        executor = make_executor()
        executor.add_node(node)
        spin(executor)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except MlDashRosError as err:
        print(f"recorder: {err}", file=sys.stderr)
        code = 2
    finally:
        # A second SIGINT / SIGTERM (ros2 launch sends both) must not cut the final flush short.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        if node is not None:
            try:
                node.close_episode()
            except MlDashRosError as err:
                print(f"recorder: closing failed: {err}", file=sys.stderr)
                code = 1
            node.destroy_node()
        rclpy.try_shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())

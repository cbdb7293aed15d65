"""The recorder imports on rclpy releases whose event classes live in ``rclpy.qos_event``."""

import os
import subprocess
import sys

# A Python whose rclpy has ``qos_event`` but no ``event_handler``, as Humble's rclpy.
AS_ON_HUMBLE = """
import sys, warnings
warnings.simplefilter("ignore")
import rclpy.qos_event as qos_event
sys.modules["rclpy.event_handler"] = None
from ml_dash_ros.ros import topic_recorder
print(topic_recorder.SubscriptionEventCallbacks is qos_event.SubscriptionEventCallbacks,
      topic_recorder.UnsupportedEventTypeError is qos_event.UnsupportedEventTypeError)
"""


def test_topic_recorder_takes_the_event_classes_from_qos_event_without_event_handler():
    proc = subprocess.run([sys.executable, "-c", AS_ON_HUMBLE], capture_output=True,
                          text=True, env=dict(os.environ), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True"]

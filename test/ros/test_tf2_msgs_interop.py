"""The locally generated tf2_msgs/TFMessage interoperates with the official type."""

from tf2_msgs.msg import TFMessage

from test.ros.support import Listener, run_python, stop

# Type hash of tf2_msgs/msg/TFMessage in official ROS 2 releases (Jazzy, Kilted).
OFFICIAL_HASH = "RIHS01_e369d0f05a23ae52508854b66f6aa0437f3449d652e8cbf22d5abe85d020f087"

PUBLISHER = """
import rclpy
from geometry_msgs.msg import TransformStamped
from tf2_msgs.msg import TFMessage
rclpy.init()
node = rclpy.create_node("tf_publisher")
pub = node.create_publisher(TFMessage, "/interop_tf", 10)
def publish():
    tf = TransformStamped()
    tf.header.frame_id, tf.child_frame_id = "world", "tool0"
    tf.transform.translation.x = 1.5
    tf.transform.rotation.w = 1.0
    pub.publish(TFMessage(transforms=[tf, tf]))
node.create_timer(0.05, publish)
try:
    rclpy.spin(node)
except KeyboardInterrupt:
    pass
rclpy.try_shutdown()
"""


def test_tfmessage_from_another_process_is_received_intact(tmp_path):
    script = tmp_path / "publisher.py"
    script.write_text(PUBLISHER)
    with Listener({"/interop_tf": TFMessage}) as listener:
        proc = run_python([str(script)])
        try:
            assert listener.wait_for("/interop_tf", count=3, timeout=30)
            msg = listener.snapshot("/interop_tf")[0]
            infos = listener.node.get_publishers_info_by_topic("/interop_tf")
        finally:
            stop(proc)
    assert [tf.child_frame_id for tf in msg.transforms] == ["tool0", "tool0"]
    assert msg.transforms[0].transform.translation.x == 1.5
    assert [str(info.topic_type_hash) for info in infos] == [OFFICIAL_HASH]

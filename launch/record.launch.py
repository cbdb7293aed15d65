"""Record ROS 2 topics into ml_dash_ros tracks.

ros2 launch ml_dash_ros record.launch.py config:=my_robot.yaml [prefix:=...] [dash_root:=...]
    [continue_recording:=true] [use_sim_time:=true] [namespace:=...] [log_level:=info]
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare

ARGUMENTS = {
    "config": (PathJoinSubstitution([FindPackageShare("ml_dash_ros"), "config", "demo.yaml"]),
               "mapping YAML: which topics go to which tracks"),
    "prefix": ("", "experiment prefix; empty keeps the config's experiment.prefix"),
    "dash_root": ("", "root directory of recordings; empty: the config's, else $ML_DASH_ROOT"),
    "continue_recording": ("false", "append to a prefix that already holds a recording "
                           "(otherwise such a prefix is refused)"),
    "use_sim_time": ("false", "stamp 'receive' entries with /clock instead of the wall clock"),
    "namespace": ("", "namespace of the recorder node and its services"),
    "log_level": ("info", "recorder log level: debug, info, warn, error"),
}


def generate_launch_description() -> LaunchDescription:
    """Declare the recorder's arguments and start the recorder node."""
    declared = [DeclareLaunchArgument(name, default_value=default, description=description)
                for name, (default, description) in ARGUMENTS.items()]
    recorder = Node(
        package="ml_dash_ros",
        executable="recorder",
        name="recorder",
        namespace=LaunchConfiguration("namespace"),
        output="screen",
        parameters=[{
            # Text even when it looks like a number (prefix:=20261125).
            **{name: ParameterValue(LaunchConfiguration(name), value_type=str)
               for name in ("config", "prefix", "dash_root")},
            "continue_recording": ParameterValue(LaunchConfiguration("continue_recording"),
                                                 value_type=bool),
            "use_sim_time": ParameterValue(LaunchConfiguration("use_sim_time"), value_type=bool),
        }],
        ros_arguments=["--log-level", LaunchConfiguration("log_level")],
        # Closing flushes and compacts every track: give it time before SIGTERM / SIGKILL.
        sigterm_timeout="30",
        sigkill_timeout="30",
    )
    return LaunchDescription([*declared, recorder])

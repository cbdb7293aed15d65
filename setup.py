"""ament_python / pip install of ml_dash_ros (layout as in demo_nodes_py)."""

from glob import glob

from setuptools import find_packages, setup

package_name = "ml_dash_ros"

setup(
    name=package_name,
    version="0.1.0",
    packages=find_packages(exclude=["test", "test.*", "benchmarks", "tools"]),
    package_data={package_name: ["py.typed"]},
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + package_name]),
        ("share/" + package_name, ["package.xml"]),
        ("share/" + package_name + "/launch", glob("launch/*.launch.py")),
        ("share/" + package_name + "/config", glob("config/*.yaml")),
    ],
    install_requires=["setuptools", "pyarrow", "pyyaml", "numpy"],
    zip_safe=False,
    maintainer="ml_dash_ros maintainers",
    maintainer_email="maintainers@ml-dash-ros.invalid",
    description="Record ROS 2 topics as timestamped Parquet tracks (ml-dash Tracks API).",
    license="Apache-2.0",
    python_requires=">=3.10",
    entry_points={
        "console_scripts": [
            "recorder = ml_dash_ros.ros.recorder_main:main",
            "demo_robot = ml_dash_ros.ros.demo_robot:main",
            "ml-dash-ros = ml_dash_ros.cli:main",
        ],
    },
)

"""The package is a correct ament_python package: metadata, data files, a real colcon build."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from catkin_pkg.package import parse_package

REPO = Path(__file__).resolve().parents[1]
RUN_DEPENDS = {"rclpy", "sensor_msgs", "geometry_msgs", "tf2_msgs", "std_srvs", "diagnostic_msgs",
               "python3-pyarrow", "python3-yaml", "python3-numpy", "launch_ros"}
EXECUTABLES = ("recorder", "demo_robot", "ml-dash-ros")
SHARED_FILES = ("package.xml", "launch/record.launch.py", "config/demo.yaml",
                "config/example_robot.yaml")
LAUNCH_ARGUMENTS = {"config", "prefix", "dash_root", "use_sim_time", "namespace", "log_level"}


def _data_files() -> list[tuple[str, list[str]]]:
    from setuptools import distutils  # noqa: F401  (setuptools' distutils shim)
    from distutils.core import run_setup
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        return run_setup(str(REPO / "setup.py"), stop_after="init").data_files
    finally:
        os.chdir(cwd)


def test_package_xml_is_format_3_ament_python_with_run_dependencies():
    package = parse_package(str(REPO / "package.xml"))
    package.validate()
    assert package.package_format == 3
    assert package.get_build_type() == "ament_python"
    assert RUN_DEPENDS <= {dep.name for dep in package.exec_depends}
    assert {"python3-pytest"} <= {dep.name for dep in package.test_depends}


def test_every_declared_data_file_exists():
    declared = [path for _, paths in _data_files() for path in paths]
    assert set(SHARED_FILES) <= set(declared)
    assert "resource/ml_dash_ros" in declared
    assert [path for path in declared if not (REPO / path).is_file()] == []


def test_launch_file_declares_the_recorder_arguments():
    tree = ast.parse((REPO / "launch/record.launch.py").read_text())
    arguments = next(node for node in ast.walk(tree) if isinstance(node, ast.Assign)
                     and getattr(node.targets[0], "id", "") == "ARGUMENTS")
    assert {key.value for key in arguments.value.keys} == LAUNCH_ARGUMENTS


def test_launch_description_starts_the_recorder_where_launch_is_installed():
    pytest.importorskip("launch_ros", reason="launch_ros is not on PyPI; checked on ROS machines")
    import importlib.util
    spec = importlib.util.spec_from_file_location("record_launch",
                                                  REPO / "launch/record.launch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    entities = module.generate_launch_description().entities
    assert any(type(entity).__name__ == "Node" for entity in entities)


@pytest.fixture(scope="module")
def colcon_install(tmp_path_factory):
    """Build the package with colcon into a fresh workspace; return its install prefix."""
    workspace = tmp_path_factory.mktemp("colcon_ws")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO,
                           check=True, capture_output=True, text=True).stdout.split()
    for name in files:
        if name.startswith("interfaces/") or not (REPO / name).is_file():
            continue  # interfaces/ holds other packages, built by scripts/setup.sh
        target = workspace / "src/ml_dash_ros" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    colcon = Path(sys.executable).with_name("colcon")
    result = subprocess.run([str(colcon), "build", "--base-paths", "src"], cwd=workspace,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return workspace / "install/ml_dash_ros"


@pytest.mark.parametrize("name", SHARED_FILES)
def test_colcon_installs_shared_files_under_share(colcon_install, name):
    assert (colcon_install / "share/ml_dash_ros" / name).is_file()


@pytest.mark.parametrize("name", EXECUTABLES)
def test_colcon_installs_console_scripts_where_ros2_run_looks(colcon_install, name):
    assert os.access(colcon_install / "lib/ml_dash_ros" / name, os.X_OK)


def test_colcon_install_is_found_by_the_ament_index(colcon_install):
    code = ("from ament_index_python.packages import get_package_share_directory as g; "
            "print(g('ml_dash_ros'))")
    env = dict(os.environ, AMENT_PREFIX_PATH=str(colcon_install))
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    assert Path(out) == colcon_install / "share/ml_dash_ros"

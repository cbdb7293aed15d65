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
               "python3-yaml", "python3-numpy", "launch_ros"}
# Keys that rosdep resolves, read from ros/rosdistro at 8468e88 (2026-08-22): the ROS packages
# are released in humble/, jazzy/ and kilted/distribution.yaml; the python3-* keys are in
# rosdep/python.yaml with ubuntu and debian entries. pyarrow has no key there.
ROSDEP_KEYS = {"rclpy", "std_msgs", "sensor_msgs", "geometry_msgs", "tf2_msgs", "std_srvs",
               "diagnostic_msgs", "launch", "launch_ros", "ament_index_python", "ament_flake8",
               "ament_pep257", "python3-yaml", "python3-numpy", "python3-matplotlib",
               "python3-rich", "python3-pytest", "python3-hypothesis",
               "python3-catkin-pkg-modules", "python3-pil"}
# requirements/runtime.txt name -> its rosdep key, or None where pip must install it.
RUNTIME_ROSDEP = {"pyarrow": None, "pyyaml": "python3-yaml", "numpy": "python3-numpy",
                  "rich": "python3-rich", "matplotlib": "python3-matplotlib",
                  "pillow": "python3-pil", "av": None}
EXECUTABLES = ("recorder", "demo_robot", "ml-dash-ros")
SHARED_FILES = ("package.xml", "launch/record.launch.py", "config/demo.yaml",
                "config/example_robot.yaml")
LAUNCH_ARGUMENTS = {"config", "prefix", "dash_root", "continue_recording", "use_sim_time",
                    "namespace", "log_level"}


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


def _declared_keys() -> set[str]:
    package = parse_package(str(REPO / "package.xml"))
    groups = (package.build_depends, package.buildtool_depends, package.exec_depends,
              package.test_depends, package.build_export_depends)
    return {dep.name for group in groups for dep in group}


def _runtime_requirements() -> set[str]:
    lines = (REPO / "requirements/runtime.txt").read_text().splitlines()
    return {line.split("==")[0].lower() for line in lines if line and not line.startswith("#")}


def test_every_dependency_key_is_one_rosdep_resolves():
    assert _declared_keys() - ROSDEP_KEYS == set()


def test_every_runtime_requirement_has_a_known_rosdep_route():
    assert _runtime_requirements() == set(RUNTIME_ROSDEP)


def test_runtime_requirements_with_a_rosdep_key_are_exec_depends():
    package = parse_package(str(REPO / "package.xml"))
    keys = {key for key in RUNTIME_ROSDEP.values() if key}
    assert keys - {dep.name for dep in package.exec_depends} == set()


@pytest.mark.parametrize("name", sorted(n for n, key in RUNTIME_ROSDEP.items() if key is None))
def test_runtime_requirements_without_a_rosdep_key_are_pip_installed_in_the_readme(name):
    readme = (REPO / "README.md").read_text()
    pip_lines = [line for line in readme.splitlines() if "pip install" in line]
    assert any(name in line.split() for line in pip_lines)


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

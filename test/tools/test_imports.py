"""The tools import no rclpy, and the CLI is reachable three ways."""

import subprocess
import sys

from test.tools.conftest import child_env, run_cli

MODULES = ("ml_dash_ros.cli", "ml_dash_ros.tools.inventory", "ml_dash_ros.tools.align",
           "ml_dash_ros.tools.bag_import", "ml_dash_ros.tools.export", "ml_dash_ros.tools.plot")


def test_the_tools_import_no_rclpy():
    code = (f"import importlib, sys\nfor m in {MODULES!r}: importlib.import_module(m)\n"
            "print('rclpy' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=child_env(), check=True)
    assert proc.stdout.strip() == "False"


def test_python_m_ml_dash_ros_prints_help():
    proc = run_cli("--help")
    assert proc.returncode == 0, proc.stderr
    assert "import" in proc.stdout
    assert "align" in proc.stdout


def test_the_cli_package_exports_main_returning_an_exit_code(capsys):
    from ml_dash_ros.cli import main
    assert main(["ls", "/nonexistent/dash"]) == 1
    assert capsys.readouterr().err.startswith("ml-dash-ros: error: ")


def test_the_demo_session_imports_nothing_of_the_cli():
    code = ("import sys, ml_dash_ros.demo.session\n"
            "print(sorted(m for m in sys.modules if m.startswith('ml_dash_ros.cli')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=child_env(), check=True)
    assert proc.stdout.strip() == "[]"

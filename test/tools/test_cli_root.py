"""Where the CLI looks for recordings: --dash-root, --config's mapping, $ML_DASH_ROOT, .dash."""

import subprocess
import sys

import pytest

from ml_dash_ros import Experiment
from ml_dash_ros.tools import list_experiments

from test.tools.conftest import PREFIX, child_env, record


def cli(*args, cwd, env_root=None):
    """Run the CLI in cwd, with ML_DASH_ROOT set to env_root (or unset)."""
    env = child_env()
    env.pop("ML_DASH_ROOT", None)
    if env_root is not None:
        env["ML_DASH_ROOT"] = str(env_root)
    return subprocess.run([sys.executable, "-m", "ml_dash_ros", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def somewhere(tmp_path):
    """Return (a dash_root with PREFIX recorded, an empty working directory)."""
    root = tmp_path / "recordings"
    record(root)
    work = tmp_path / "work"
    work.mkdir()
    return root, work


def mapping(path, dash_root):
    path.write_text(f"experiment: {{prefix: x, dash_root: '{dash_root}'}}\n"
                    "topics:\n  - {topic: /a, track: a}\n")
    return path


def test_environment_sets_the_default_dash_root(somewhere):
    root, work = somewhere
    proc = cli("info", PREFIX, cwd=work, env_root=root)
    assert proc.returncode == 0, proc.stderr


def test_ls_takes_dash_root_as_an_option(somewhere):
    root, work = somewhere
    assert PREFIX in cli("ls", "--dash-root", root, cwd=work).stdout


def test_ls_uses_the_environment(somewhere):
    root, work = somewhere
    assert PREFIX in cli("ls", cwd=work, env_root=root).stdout


def test_config_mapping_gives_the_dash_root(somewhere):
    root, work = somewhere
    config = mapping(work / "robot.yaml", root)
    proc = cli("read", PREFIX, "imu", "--config", config, "--end", "10.0", cwd=work)
    assert proc.stdout.splitlines() == ['{"_ts": 10.0, "acc": [0.0, 0.0, 9.81], "seq": 0}']


def test_config_mapping_wins_over_the_environment(somewhere):
    root, work = somewhere
    config = mapping(work / "robot.yaml", root)
    proc = cli("info", PREFIX, "--config", config, cwd=work, env_root=work / "elsewhere")
    assert proc.returncode == 0, proc.stderr


def test_explicit_dash_root_wins_over_the_config(somewhere):
    root, work = somewhere
    config = mapping(work / "robot.yaml", work / "elsewhere")
    proc = cli("info", PREFIX, "--config", config, "--dash-root", root, cwd=work)
    assert proc.returncode == 0, proc.stderr


def test_a_bad_config_fails_with_one_line(somewhere):
    root, work = somewhere
    (work / "bad.yaml").write_text("experiment: [1]\n")
    proc = cli("ls", "--config", work / "bad.yaml", cwd=work)
    assert proc.returncode == 2, proc.stderr
    assert "bad.yaml" in proc.stderr


def test_without_anything_dot_dash_in_the_working_directory_is_used(somewhere):
    root, work = somewhere
    record(work / ".dash")
    proc = cli("info", PREFIX, cwd=work)
    assert proc.returncode == 0, proc.stderr


def test_tools_default_to_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ML_DASH_ROOT", str(tmp_path / "env-root"))
    with Experiment("a/b").run as exp:
        exp.tracks("t").append(x=1.0, _ts=1.0)
    assert [e.prefix for e in list_experiments()] == ["a/b"]

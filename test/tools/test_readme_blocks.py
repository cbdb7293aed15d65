"""The README's code blocks, run as a user would: the Track API examples and every command of
"Look, export, align, import", against a recording shaped like the demo robot's."""

import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest

from ml_dash_ros import Experiment
from test.tools import bags
from test.tools.conftest import run_cli

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _block(section: str, language: str) -> str:
    body = README.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.search(rf"```{language}\n(.*?)```", body, re.S).group(1)


def _demo_like(dash_root: Path, prefix: str, seconds: float = 20.0) -> None:
    """Write robot (q, qd: 7 joints, 100 Hz), imu (50 Hz) and tf/link7 (10 Hz)."""
    t0 = 1_764_064_800.0
    with Experiment(prefix, dash_root=dash_root).run as exp:
        stamps = t0 + np.arange(0, seconds, 0.01)
        q = np.sin(stamps[:, None] + np.arange(7))
        exp.tracks("robot").append_batch({"_ts": stamps, "q": q, "qd": np.cos(q)})
        imu = t0 + np.arange(0, seconds, 0.02)
        exp.tracks("imu").append_batch({"_ts": imu, "linear_acceleration": np.tile(
            [0.0, 0.0, 9.81], (len(imu), 1))})
        tf = t0 + np.arange(0, seconds, 0.1)
        exp.tracks("tf/link7").append_batch({"_ts": tf, "translation": np.tile(
            [0.1, 0.2, 0.3], (len(tf), 1))})


def test_the_track_api_example_runs_and_merges(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(_block("The Track API in your own code", "python"), scope)  # noqa: S102
    rows = Experiment("alice/franka/pick-place", dash_root=tmp_path / ".dash") \
        .tracks("robot").read()["entries"]
    assert len(rows) == 1
    assert rows[0]["tau"] == [0.0] * 7
    assert scope["window"]["entries"][0]["q"] == [0.1] * 7


def test_the_load_it_example_gives_n_by_7(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    with Experiment("alice/franka/demo-001", dash_root=tmp_path / ".dash").run as exp:
        for k in range(300):
            exp.tracks("robot").append(q=[0.1 * k] * 7, _ts=k * 0.05)
    scope: dict = {}
    exec(_block("Load it", "python"), scope)  # noqa: S102
    assert scope["robot"]["q"].shape == (41, 7)


def _commands() -> list:
    lines = []
    for line in _block("Look, export, align, import", "bash").splitlines():
        line = re.sub(r"\s+#.*$", "", line)         # the comment after a command
        line = re.sub(r"\s*\[[^\]]*\]", "", line)    # [optional] arguments
        if line.startswith("ml-dash-ros "):
            lines.append(line)
    return lines


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A working directory with the demo-like recording, a bag and the demo mapping."""
    work = tmp_path_factory.mktemp("readme")
    _demo_like(work / ".dash", "demo/robot")
    bags.write_bag(work / "my_bag", "mcap")
    (work / "config").mkdir()
    shutil.copy(REPO / "config" / "demo.yaml", work / "config" / "demo.yaml")
    return work


def test_the_readme_lists_the_commands_it_documents():
    verbs = [line.split()[1] for line in _commands()]
    assert verbs == ["ls", "info", "read", "export", "plot", "import", "align", "check"]


@pytest.mark.parametrize("command", _commands(), ids=lambda c: c.split()[1])
def test_each_readme_command_works_as_written(workdir, command):
    args = [a.replace("/tmp/export", str(workdir / "export")) for a in shlex.split(command)]
    proc = run_cli(*args[1:], cwd=workdir, timeout=180)
    assert proc.returncode == 0, proc.stderr

"""ML_DASH_ROOT sets the default dash_root; an explicit one wins."""

from pathlib import Path

from ml_dash_ros import Experiment
from ml_dash_ros.mapping import load_config
from ml_dash_ros.tracks.store.roots import resolve_dash_root


def test_experiment_without_dash_root_uses_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ML_DASH_ROOT", str(tmp_path / "env-root"))
    assert Experiment("a/b").path == tmp_path / "env-root" / "a" / "b"


def test_explicit_dash_root_wins_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ML_DASH_ROOT", str(tmp_path / "env-root"))
    assert Experiment("a/b", dash_root=tmp_path / "mine").path == tmp_path / "mine" / "a" / "b"


def test_without_environment_the_default_is_dot_dash(tmp_path, monkeypatch):
    monkeypatch.delenv("ML_DASH_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Experiment("a/b").path == tmp_path / ".dash" / "a" / "b"


def test_mapping_dash_root_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("ML_DASH_ROOT", "/env")
    assert resolve_dash_root(None, "/from/mapping") == "/from/mapping"


def test_mapping_without_dash_root_leaves_it_to_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ML_DASH_ROOT", "/env")
    path = tmp_path / "map.yaml"
    path.write_text("experiment: {prefix: a/b}\ntopics:\n  - {topic: /a, track: a}\n")
    assert resolve_dash_root(None, load_config(path).experiment.dash_root) == "/env"


def test_empty_explicit_value_falls_through(monkeypatch):
    monkeypatch.setenv("ML_DASH_ROOT", "/env")
    assert Path(resolve_dash_root("", None)) == Path("/env")

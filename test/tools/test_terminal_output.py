"""Names from a recording reach the terminal escaped: no control sequences, no rich markup."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ml_dash_ros.cli import output
from ml_dash_ros.tracks.store import layout

from test.tools.conftest import run_cli

PREFIX = "eve/odd"
TRACK = "tf/\x1b[31mred"
COLUMN = "pos\x1b]0;owned\x07"
MARKUP_TRACK = "tf/[bold]tool0[/]"


def write_track(root, track, columns):
    directory = layout.topic_dir(root / PREFIX / "tracks", track)
    directory.mkdir(parents=True)
    table = pa.table({"_ts": [1.0, 2.0], **{c: [0.5, 0.6] for c in columns}})
    pq.write_table(table, directory / layout.segment_name(1))


@pytest.fixture
def odd_root(tmp_path):
    """Return a dash_root whose names carry escape sequences and rich markup."""
    root = tmp_path / "dash"
    write_track(root, TRACK, [COLUMN])
    write_track(root, MARKUP_TRACK, ["[red]x"])
    (root / PREFIX / "experiment.json").write_text(json.dumps(
        {"status": "completed", "started_at": "\x1b[2J", "ended_at": None}))
    return root


@pytest.mark.parametrize("command", [["ls", "{root}"], ["info", PREFIX, "--dash-root", "{root}"]])
def test_no_escape_character_reaches_the_terminal(odd_root, command):
    proc = run_cli(*(a.format(root=odd_root) for a in command))
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout


@pytest.mark.parametrize("command", [["ls", "{root}"], ["info", PREFIX, "--dash-root", "{root}"]])
def test_a_track_name_is_shown_with_its_escape_visible(odd_root, command):
    proc = run_cli(*(a.format(root=odd_root) for a in command))
    assert "tf/\\x1b[31mred" in proc.stdout


def test_info_shows_a_column_name_with_its_escapes_visible(odd_root):
    proc = run_cli("info", PREFIX, "--dash-root", odd_root)
    assert "pos\\x1b]0;owned\\x07" in proc.stdout


@pytest.mark.parametrize("command", [["ls", "{root}"], ["info", PREFIX, "--dash-root", "{root}"]])
def test_rich_markup_in_a_name_is_printed_as_it_is(odd_root, command):
    proc = run_cli(*(a.format(root=odd_root) for a in command))
    assert MARKUP_TRACK in proc.stdout, proc.stderr


@pytest.mark.parametrize("raw, shown", [
    ("robot", "robot"),
    ("a\x1b[31m", "a\\x1b[31m"),
    ("line\nbreak", "line\\x0abreak"),
    ("right\u202eleft", "right\\u202eleft"),
    ("bad\udcffbyte", "bad\\udcffbyte"),
    ("日本 ok", "日本 ok"),
])
def test_text_escapes_control_and_format_characters(raw, shown):
    assert output.text(raw) == shown


def test_an_error_line_shows_escapes_visible(tmp_path):
    prefix = "eve/\x1b[31mrun"
    directory = layout.topic_dir(layout.prefix_dir(tmp_path, prefix) / "tracks", "robot")
    directory.mkdir(parents=True)
    (directory / layout.segment_name(1)).write_bytes(b"garbage")
    proc = run_cli("read", prefix, "robot", "--dash-root", tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "\x1b" not in proc.stderr

"""Every one-liner of the README's Storage section, run on a real multi-track recording."""

import re
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pandas
import polars
import pyarrow
import pyarrow.compute
import pyarrow.dataset  # noqa: F401 - the one-liners use pyarrow.dataset
import pytest

from ml_dash_ros import Experiment

REPO = Path(__file__).resolve().parents[2]
PREFIX = "lab/storage"


def storage_lines():
    """Return the code lines of the README's Storage section's python block."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Storage\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """Return (root, Experiment) of a closed recording: three tracks with different columns."""
    root = tmp_path_factory.mktemp("storage") / "dash"
    with Experiment(PREFIX, dash_root=root).run as exp:
        for k in range(40):
            exp.tracks("robot").append(_ts=10.0 + k * 0.01, q=[k * 1.0, 2.0], mode="run")
        for k in range(25):
            exp.tracks("imu").append(_ts=10.0 + k * 0.02, acc=[0.0, 9.81], seq=k)
        for k in range(7):
            exp.tracks("tf/tool0").append(_ts=10.0 + k * 0.1, translation=[0.1 * k, 0.0, 0.5])
    return root, Experiment(PREFIX, dash_root=root)


def as_table(result):
    """Return what a one-liner gives as a pyarrow.Table."""
    if isinstance(result, pandas.DataFrame):
        return pyarrow.Table.from_pandas(result, preserve_index=False)
    if isinstance(result, polars.DataFrame):
        return result.to_arrow()
    if isinstance(result, duckdb.DuckDBPyRelation):
        return result.to_arrow_table()
    return result


def rows(table, names):
    """Return the named columns of a table as sorted row dicts."""
    return table.select(names).sort_by("_ts").to_pylist()


def expected(exp, track):
    table = exp.tracks(track).read(format="arrow")
    return table.column_names, table.to_pylist()


def test_the_storage_section_has_one_liners():
    assert len(storage_lines()) >= 4


@pytest.mark.parametrize("line", storage_lines())
def test_one_liner_gives_the_right_rows_per_track(recording, line):
    root, exp = recording
    scope = {"pyarrow": pyarrow, "duckdb": duckdb, "pandas": pandas, "polars": polars,
             "root": str(root), "prefix": PREFIX}
    table = as_table(eval(line, scope))  # noqa: S307 - the README's own code
    one = re.search(r"topic=([^/'\"*]+)", line)
    tracks = [unquote(one.group(1))] if one else ["imu", "robot", "tf/tool0"]
    got = {}
    for track in tracks:
        names, _ = expected(exp, track)
        part = table
        if "topic" in table.column_names:
            topic = table.column("topic").cast(pyarrow.string())
            part = table.filter(pyarrow.compute.equal(topic, track))
        got[track] = rows(part, names)
    assert got == {track: expected(exp, track)[1] for track in tracks}

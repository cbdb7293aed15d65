"""An experiment left open when the program ends is flushed and closed at exit, all topics."""

import json
import subprocess
import sys

from ml_dash_ros import Experiment
from test.helpers import child_env

SCRIPT = """
import sys
from ml_dash_ros import Experiment
exp = Experiment("left/open", dash_root=sys.argv[1], flush_interval=3600).open()
for topic in ("a", "b", "c"):
    for k in range(100):
        exp.tracks(topic).append(x=float(k), _ts=float(k))
"""


def test_every_buffered_topic_is_written_at_exit(tmp_path):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True,
                          text=True, timeout=120, env=child_env())
    assert proc.returncode == 0, proc.stderr
    assert "could not close" not in proc.stderr
    exp = Experiment("left/open", dash_root=tmp_path)
    assert [t["count"] for t in exp.tracks.list()] == [100, 100, 100]
    assert json.loads((exp.path / "experiment.json").read_text())["status"] == "completed"

"""Reading a recording's JSON side files (experiment.json, recorder.json, params.json).

A damaged side file never hides the recording: it reads as a problem line naming the file
and the key, and every well-formed part is still returned.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ml_dash_ros.errors import CorruptFileError
from ml_dash_ros.tracks.store.contract import RECORDER_FILE, STATUS_FILE


def read_json(path: Path) -> dict:
    """Return a JSON side file (experiment.json, recorder.json) as a dict; {} if absent.

    Raises CorruptFileError naming the file when it is not UTF-8 JSON holding an object.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise CorruptFileError(path, f"cannot read: {err.strerror or err}") from err
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise CorruptFileError(path, f"not UTF-8 text (byte {err.start})") from err
    except (ValueError, RecursionError) as err:
        raise CorruptFileError(path, f"not valid JSON ({err})") from err
    if not isinstance(data, dict):
        raise CorruptFileError(path, f"expected a JSON object, got {_json_type(data)}")
    return data


def read_status(prefix_dir: Path) -> tuple:
    """Return (experiment.json as a dict, problems); wrong-typed keys become problems."""
    path = prefix_dir / STATUS_FILE
    try:
        doc = read_json(path)
    except CorruptFileError as err:
        return {}, (str(err),)
    problems = tuple(f"{path}: {key}: expected a string, got {_json_type(doc[key])}"
                     for key in ("status", "error", "started_at", "ended_at", "host")
                     if doc.get(key) is not None and not isinstance(doc[key], str))
    return doc, problems


def read_recorder(prefix_dir: Path) -> tuple:
    """Return (recorder.json with only well-formed topic rows, problems naming the rest)."""
    path = prefix_dir / RECORDER_FILE
    try:
        doc = read_json(path)
    except CorruptFileError as err:
        return {}, (str(err),)
    topics = doc.get("topics")
    if topics is None:
        return doc, ()
    if not isinstance(topics, dict):
        return {**doc, "topics": {}}, (
            f"{path}: topics: expected an object, got {_json_type(topics)}",)
    clean, problems = {}, []
    for topic, row in topics.items():
        tracks = row.get("tracks") if isinstance(row, dict) else None
        if not isinstance(row, dict):
            problems.append(f"{path}: topics[{topic!r}]: expected an object, got "
                            f"{_json_type(row)}")
        elif tracks is not None and not (isinstance(tracks, list) and
                                         all(isinstance(t, str) for t in tracks)):
            problems.append(f"{path}: topics[{topic!r}].tracks: expected a list of names")
        else:
            clean[topic] = row
    return {**doc, "topics": clean}, tuple(problems)


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)

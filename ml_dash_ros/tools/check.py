"""Check a recording file by file and salvage what is readable (``ml-dash-ros check``).

Every live segment of every track and metric is decoded row group by row group, and the JSON
side files are parsed and their fields checked. With ``salvage=True`` an unreadable segment is
moved to ``{prefix}/quarantine/{tracks|metrics}/topic=.../`` (never deleted); when its footer
and some row groups are readable, those row groups are first written back under the same
segment name (same sequence number, so merges keep their order). Side files are only
reported. Salvage takes each track's writer lock and refuses a prefix a recorder holds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import pyarrow as pa
import pyarrow.parquet as pq

from ml_dash_ros.errors import CorruptFileError, MlDashRosError, PrefixBusyError
from ml_dash_ros.tools.side_files import read_json, read_recorder, read_status
from ml_dash_ros.tools import catalog
from ml_dash_ros.tracks.store import layout, liveness, reader
from ml_dash_ros.tracks.store.segment_file import rewrite_segment
from ml_dash_ros.tracks.store.storage import storage_of
from ml_dash_ros.tracks.store.writer_lock import WriterLock
from ml_dash_ros.tracks.store.contract import KINDS, PARAMS_FILE, QUARANTINE_DIR, RECORDER_FILE


@dataclass(frozen=True)
class FileProblem:
    """One unreadable file: what is wrong and, after a salvage, what was done."""

    path: Path
    fault: str
    action: str = ""

    def as_dict(self) -> dict:
        """Return plain data (JSON-ready)."""
        return {"path": str(self.path), "fault": self.fault, "action": self.action}


@dataclass(frozen=True)
class CheckReport:
    """The result of checking (and perhaps salvaging) one recording."""

    prefix: str
    path: Path
    files_checked: int
    problems: tuple = ()          # FileProblem, ...
    salvaged: bool = False

    @property
    def ok(self) -> bool:
        """Tell whether every file was readable."""
        return not self.problems

    def as_dict(self) -> dict:
        """Return plain data (JSON-ready)."""
        return {"prefix": self.prefix, "path": str(self.path), "ok": self.ok,
                "files_checked": self.files_checked, "salvaged": self.salvaged,
                "problems": [p.as_dict() for p in self.problems]}


@dataclass(frozen=True)
class _Segment:
    """A segment's check result: unreadable row groups, or the footer fault."""

    path: Path
    seq: int
    compacted: bool
    fault: Optional[str] = None          # None: readable
    good_groups: tuple = ()              # readable row groups when the footer is fine


def check_experiment(prefix: str, *, dash_root: Union[str, os.PathLike, None] = None,
                     salvage: bool = False) -> CheckReport:
    """Check every file of a recording; with ``salvage`` set unreadable segments aside."""
    exp = catalog.open_experiment(prefix, dash_root=dash_root)
    if salvage and liveness.lock_held(exp.path / liveness.LOCK_NAME):
        raise PrefixBusyError(f"prefix {prefix!r} is being recorded (lock held on "
                              f"{exp.path / liveness.LOCK_NAME}); stop the recorder, then "
                              "salvage")
    problems, checked = _check_side_files(exp.path)
    for kind in KINDS:
        kind_dir = exp.path / kind
        problems.extend(_undecodable_dirs(kind_dir))
        for topic, directory in layout.list_topics(kind_dir).items():
            found = [_check_segment(s) for s in
                     layout.live_segments(layout.scan_segments(directory))]
            checked += len(found)
            bad = [s for s in found if s.fault]
            if bad and salvage:
                problems.extend(_salvage_topic(exp.path, kind, directory, topic, prefix, bad))
            else:
                problems.extend(FileProblem(s.path, s.fault) for s in bad)
    return CheckReport(prefix, exp.path, checked, tuple(problems), salvage)


def _check_side_files(prefix_dir: Path) -> tuple:
    problems: list = []
    checked = 0
    for name, typed in ((catalog.STATUS_FILE, read_status), (RECORDER_FILE, read_recorder),
                        (PARAMS_FILE, None)):
        path = prefix_dir / name
        if not path.exists():
            continue
        checked += 1
        try:
            read_json(path)
        except CorruptFileError as err:
            problems.append(FileProblem(path, err.fault, "left in place"))
            continue
        for line in typed(prefix_dir)[1] if typed else ():
            problems.append(FileProblem(path, line.removeprefix(f"{path}: "), "left in place"))
    return problems, checked


def _undecodable_dirs(kind_dir: Path) -> list:
    out = []
    try:
        entries = list(os.scandir(kind_dir))
    except OSError:
        return out
    for entry in entries:
        if entry.name.startswith(layout.TOPIC_DIR_PREFIX) and entry.is_dir():
            try:
                layout.decode_topic(entry.name[len(layout.TOPIC_DIR_PREFIX):])
            except UnicodeDecodeError:
                out.append(FileProblem(Path(entry.path), "not a valid topic encoding "
                                       "(not read by the Track API)", "left in place"))
    return out


def _check_segment(seg: layout.SegmentName) -> _Segment:
    """Decode every row group of a segment; return what could not be read."""
    try:
        info = reader.file_info(seg.path)
    except CorruptFileError as err:
        return _Segment(seg.path, seg.seq, seg.compacted, err.fault)
    good, bad = [], []
    try:
        pf = pq.ParquetFile(storage_of(seg.path.parent).open(seg.path),  # or the bucket
                            metadata=info.metadata)
    except (pa.ArrowException, OSError) as err:
        return _Segment(seg.path, seg.seq, seg.compacted, _detail(err))
    for i in range(info.metadata.num_row_groups):
        try:
            pf.read_row_group(i)
            good.append(i)
        except (pa.ArrowException, OSError) as err:
            bad.append(f"row group {i}: {_detail(err)}")
    if not bad:
        return _Segment(seg.path, seg.seq, seg.compacted)
    total = info.metadata.num_row_groups
    fault = f"{len(bad)} of {total} row groups unreadable ({'; '.join(bad)})"
    return _Segment(seg.path, seg.seq, seg.compacted, fault, tuple(good))


def _detail(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def _salvage_topic(prefix_dir: Path, kind: str, directory: Path, topic: str, prefix: str,
                   bad: list) -> list:
    try:
        lock = WriterLock(directory, topic, prefix)
    except MlDashRosError as err:
        return [FileProblem(s.path, s.fault, f"not salvaged: {err}") for s in bad]
    try:
        target = prefix_dir / QUARANTINE_DIR / kind / directory.name
        return [FileProblem(s.path, s.fault, _salvage_segment(s, directory, target))
                for s in bad]
    finally:
        lock.release()


def _salvage_segment(seg: _Segment, directory: Path, target: Path) -> str:
    """Keep the readable row groups under the segment's name; move the file to quarantine."""
    kept = None
    if seg.good_groups:
        try:
            pf = pq.ParquetFile(seg.path)
            kept = pa.concat_tables([pf.read_row_group(i) for i in seg.good_groups])
        except (pa.ArrowException, OSError) as err:
            return f"not salvaged: cannot read it again: {_detail(err)}"
    try:
        moved = _quarantine(seg.path, target)
    except OSError as err:
        return f"not salvaged: cannot move it to {target}: {err.strerror or err}"
    if kept is None:
        return f"moved to {moved}"
    try:
        rewrite_segment(seg.path, kept)
    except MlDashRosError as err:
        return f"moved to {moved}; writing its readable rows back failed: {err}"
    return (f"kept {kept.num_rows} rows of {len(seg.good_groups)} readable row groups in "
            f"{seg.path.name}; the original moved to {moved}")


def _quarantine(path: Path, target: Path) -> Path:
    """Move a file into ``target`` under a name not taken yet; return where it went."""
    target.mkdir(parents=True, exist_ok=True)
    moved = target / path.name
    n = 0
    while moved.exists():
        n += 1
        moved = target / f"{path.name}.{n}"
    os.rename(path, moved)
    for directory in {target, path.parent}:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return moved

"""Reading rosbag2 bags with ``rosbags``: open one (failures as BagError), the types it
carries (its stored definitions win over the built-in ones), its messages and its size.

Types: the bag's own message definitions where present (they describe the data as written),
else the built-in ROS 2 Kilted types of ``rosbags``. ``rosbags.rosbag2.Reader`` is used rather
than ``rosbags.highlevel.AnyReader`` because AnyReader builds its typestore all or nothing: one
missing or mismatching definition refuses the whole bag, and a bag with definitions disables
the built-in types for the topics that lack one. Here each type stands alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from ml_dash_ros.errors import BagError


def message_count(reader: Any) -> int:
    try:
        return int(reader.message_count)
    except Exception:  # a bag without counts in its metadata
        return 0


class open_bag:
    """Open a bag with rosbags' rosbag2 Reader, turning its failures into BagError."""

    def __init__(self, bag: Path) -> None:
        self.bag = bag
        self.reader: Any = None

    def __enter__(self) -> Any:
        if not self.bag.exists():
            raise BagError(f"bag {str(self.bag)!r} does not exist")
        if self.bag.is_dir() and not (self.bag / "metadata.yaml").is_file():
            raise BagError(f"{str(self.bag)!r} is not a rosbag2 directory (no metadata.yaml)")
        from rosbags.rosbag2 import Reader
        try:
            self.reader = Reader(self.bag)
            self.reader.open()
        except Exception as err:  # rosbags raises many kinds (ReaderError, KeyError, sqlite3)
            raise BagError(f"cannot read bag {str(self.bag)!r}: {one_line(err)}") from err
        return self.reader

    def __exit__(self, *exc: Any) -> None:
        try:
            self.reader.close()
        except Exception:  # closing a half-broken reader must not hide the real error
            pass


def bag_typestore(connections: list) -> tuple:
    """Return (typestore, {msgtype: why it cannot be decoded}) for a bag's connections.

    Definitions stored in the bag win over the built-in ROS 2 Kilted types; a type with no
    usable definition in either is reported, not fatal.
    """
    from rosbags.interfaces import MessageDefinitionFormat
    from rosbags.typesys import Stores, get_types_from_idl, get_typestore

    typestore = get_typestore(Stores.ROS2_KILTED)
    problems: dict = {}
    for conn in {c.msgtype: c for c in connections}.values():
        msgdef = conn.msgdef
        if msgdef.format == MessageDefinitionFormat.NONE or not msgdef.data.strip():
            if conn.msgtype not in typestore.fielddefs:
                problems[conn.msgtype] = "no message definition in the bag and not a built-in type"
            continue
        try:
            if msgdef.format == MessageDefinitionFormat.MSG:
                types = _msg_types(msgdef.data, conn.msgtype)
            else:
                types = {}
                for idl in _idl_parts(msgdef.data):
                    types.update(get_types_from_idl(idl))
            _register(typestore, types)
            typestore.get_msgdef(conn.msgtype)  # resolves nested types or raises
        except Exception as err:  # a bad definition affects its type only
            if conn.msgtype not in typestore.fielddefs:
                problems[conn.msgtype] = f"unusable message definition: {one_line(err)}"
    return typestore, problems


def _msg_types(data: str, msgtype: str) -> dict:
    from rosbags.typesys import get_types_from_msg
    return get_types_from_msg(data, msgtype)


def _idl_parts(data: str) -> list:
    sep = "=" * 80 + "\n"
    if not data.startswith(sep + "IDL: "):
        return [data]
    return [part.split("\n", 1)[1] for part in data.split(sep)[1:] if "\n" in part]


def _register(typestore: Any, types: dict) -> None:
    """Register types, replacing built-in ones the bag defines differently."""
    for name, (_consts, fields) in types.items():
        have = typestore.fielddefs.get(name)
        if have is not None and _field_key(have[1]) != _field_key(fields):
            typestore.fielddefs.pop(name)
            typestore.types.pop(name, None)
            typestore.cache.clear()
    typestore.register(types)


def _field_key(fields: list) -> list:
    return [(name.lower(), desc) for name, desc in fields]


def read_messages(reader: Any, connections: list, bag: Path) -> Iterator[tuple]:
    """Yield (connection, log time ns, raw bytes), turning read failures into BagError."""
    if not connections:
        return
    iterator = reader.messages(connections=connections)
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except Exception as err:  # sqlite3.DatabaseError, ReaderError, zstd errors, ...
            raise BagError(f"cannot read bag {str(bag)!r}: {one_line(err)}") from err
        yield item


def bag_seconds(reader: Any) -> float:
    try:
        return max(reader.duration, 0) * 1e-9
    except Exception:  # an empty bag has no duration
        return 0.0


def storage_kind(bag: Path) -> str:
    """Return ``mcap`` or ``sqlite3`` from a bag path (directory or bare file)."""
    files = [bag] if bag.is_file() else list(bag.iterdir()) if bag.is_dir() else []
    if any(f.suffix == ".mcap" for f in files):
        return "mcap"
    if any(f.suffix == ".db3" for f in files):
        return "sqlite3"
    return "unknown"


def one_line(err: BaseException) -> str:
    """Return an exception as one line."""
    text = " ".join(str(err).split()) or type(err).__name__
    return text if text != str(None) else type(err).__name__

"""Read a YAML file in bounded time and memory, whatever it holds.

At most ``MAX_FILE_BYTES``, nested at most ``MAX_NESTING`` levels, at most ``MAX_NODES``
values once aliases are expanded (a "billion laughs" is refused before it is built), UTF-8
only, a key given twice in one mapping refused; every fault is one ConfigError line naming
the file, cut to ``MAX_SHOWN`` characters.
"""

from __future__ import annotations

import os
import reprlib
from typing import Any

import yaml

from ml_dash_ros.errors import ConfigError

MAX_FILE_BYTES = 1 << 20   # a mapping file is a few KB
MAX_NESTING = 64           # mapping / list levels
MAX_NODES = 100_000        # YAML values after expanding aliases
MAX_SHOWN = 300            # characters of a message after the file name


def read_yaml(path: str | os.PathLike) -> Any:
    """Return the parsed YAML document of a file, within the limits of this module."""
    source = str(path)
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise ConfigError(f"{source}: cannot read the mapping file: {err.strerror}") from err
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(f"{source}: the file is larger than {MAX_FILE_BYTES} bytes; "
                          "a mapping file is a few KB of YAML")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{source}: not UTF-8 text (byte 0x{raw[err.start]:02x} at offset "
                          f"{err.start}); expected a YAML mapping file") from err
    try:
        data = _load_yaml(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(cut(f"{source}: ", f"{where}invalid YAML: {problem}")) from err
    except (ValueError, TypeError) as err:  # e.g. an int of more than 4300 digits
        raise ConfigError(cut(f"{source}: ", f"invalid YAML: {err}")) from err
    return data


def _load_yaml(text: str) -> Any:
    """Parse one YAML document with the limits of this module."""
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node, {})
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node, sizes: dict) -> int:
    """Return how many values ``node`` stands for with aliases expanded; refuse too many."""
    key = id(node)
    if key in sizes:
        if sizes[key] is None:
            raise yaml.composer.ComposerError(None, None, "an alias refers to a value that "
                                              "contains it", node.start_mark)
        return sizes[key]
    sizes[key] = None  # in progress
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(item, sizes) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    if size > MAX_NODES:
        raise yaml.composer.ComposerError(None, None, f"aliases expand to more than {MAX_NODES} "
                                          "values", node.start_mark)
    sizes[key] = size
    return size


def cut(head: str, text: str) -> str:
    """Return ``head + text``, the text cut to MAX_SHOWN characters on one line."""
    text = " ".join(text.split())
    if len(text) > MAX_SHOWN:
        text = text[:MAX_SHOWN - 3] + "..."
    return head + text


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlevel = 3


def shown(value: Any) -> str:
    """Return a short repr of a value of any size (never the whole of a huge one)."""
    return _REPR.repr(value)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last).

    It also refuses nesting deeper than MAX_NESTING (the composer recurses per level).
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.depth >= MAX_NESTING:
            raise yaml.composer.ComposerError(None, None, f"values nested deeper than "
                                              f"{MAX_NESTING} levels",
                                              self.peek_event().start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key if isinstance(key, (str, int, float, bool)) else id(key_node))
        return super().construct_mapping(node, deep=deep)

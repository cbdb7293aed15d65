"""Validation helpers of the mapping loader: each fault is a ConfigError naming the file,
the key path and what was expected."""

from __future__ import annotations

from typing import Any, Callable

from ml_dash_ros.errors import ConfigError
from ml_dash_ros.mapping.safe_yaml import cut, shown
from ml_dash_ros.mapping.selection import compile_regex
from ml_dash_ros.mapping.sizes import parse_size


class Checker:
    """Small validation helpers that raise ConfigError naming file, key path and expectation."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, text: str) -> ConfigError:
        return ConfigError(cut(f"{self.source}: ", text))

    def fail(self, path: str, expected: str, got: Any) -> None:
        raise self.error(f"{path}: expected {expected}, got {shown(got)}")

    def mapping(self, node: Any, path: str, allowed: tuple[str, ...]) -> dict:
        where = path or "top level"
        if not isinstance(node, dict):
            self.fail(where, "a mapping", node)
        for key in node:
            if key not in allowed:
                raise self.error(f"{join_path(path, shown(key).strip(chr(39)))}: unknown key; "
                                 f"expected one of {', '.join(allowed)}")
        return node

    def require(self, node: dict, path: str, key: str) -> None:
        if key not in node:
            raise self.error(f"{join_path(path, key)}: missing required key")

    def typed(self, value: Any, path: str, kind: type | tuple, expected: str) -> Any:
        if not isinstance(value, kind) or (kind in (int, float, (int, float))
                                           and isinstance(value, bool)):
            self.fail(path, expected, value)
        return value

    def choice(self, value: Any, path: str, choices: tuple[str, ...]) -> str:
        if value not in choices:
            self.fail(path, "one of " + ", ".join(choices), value)
        return value

    def positive(self, node: dict, path: str, key: str, kind: Callable) -> Any:
        if node.get(key) is None:
            return None
        value = node[key]
        expected = "a positive integer" if kind is int else "a positive number"
        numeric = int if kind is int else (int, float)
        self.typed(value, join_path(path, key), numeric, expected)
        if not value > 0 or value == float("inf"):      # also NaN (.nan) and .inf
            self.fail(join_path(path, key), expected, value)
        return kind(value)

    def size(self, value: Any, path: str) -> int | None:
        """Return a byte count from a number or a size text (``500MB``), or None."""
        if value is None:
            return None
        try:
            return parse_size(value)
        except ValueError as err:
            raise self.error(f"{path}: expected {err}, got {shown(value)}") from None

    def regex(self, text: Any, path: str) -> str:
        """Return a valid topic regex."""
        self.typed(text, path, str, "a regular expression (Python re) matching topic names")
        try:
            compile_regex(text)
        except ValueError as err:
            raise self.error(f"{path}: expected {err}, got {shown(text)}") from None
        return text


def join_path(path: str, key: str) -> str:
    """Return ``path.key`` (``key`` at the top level)."""
    return f"{path}.{key}" if path else key

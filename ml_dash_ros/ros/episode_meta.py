"""Episode metadata as node parameters, stored in the current episode's params.

``episode.task``, ``episode.operator``, ``episode.notes`` (text) and ``episode.success``
(true, false, or ``""`` for unset) are set at start (``-p episode.task:=...``) or while
recording (``ros2 param set /recorder episode.success true``). A change is checked, then
written into the current episode's ``params.json`` at once; a wrong type is refused with the
parameter, what was expected and what came. A new episode keeps task and operator and starts
with success and notes unset. The mapping's ``params:`` go into every episode's params first;
a metadata parameter that is set wins over a mapping key of the same name.
"""

from __future__ import annotations

from typing import Any, Callable

from rcl_interfaces.msg import ParameterDescriptor, SetParametersResult
from rclpy.node import Node
from rclpy.parameter import Parameter

from ml_dash_ros.errors import ConfigError

PREFIX = "episode."
TEXT_KEYS = ("task", "operator", "notes")
KEYS = ("task", "operator", "success", "notes")
CARRIED = ("task", "operator")          # kept for the next episode; the others start unset
UNSET = ""                              # the value of a parameter that is not set


def checked(key: str, value: Any) -> Any:
    """Return the stored value of ``episode.<key>`` (None when unset), or raise ConfigError."""
    if key in TEXT_KEYS:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{PREFIX}{key}: expected text, got {_shown(value)} (quote it: "
                          f"ros2 param set ... {PREFIX}{key} \"'...'\")")
    if key == "success":
        if isinstance(value, bool):
            return value
        if value == UNSET:
            return None
        raise ConfigError(f"{PREFIX}success: expected true, false or '' (unset), got "
                          f"{_shown(value)}")
    raise ConfigError(f"{PREFIX}{key}: unknown episode parameter; expected one of "
                      f"{', '.join(PREFIX + k for k in KEYS)}")


def _shown(value: Any) -> str:
    return "no value" if value is None else f"{type(value).__name__} {value!r}"


class EpisodeMetadata:
    """The ``episode.*`` parameters of a node, checked and handed to ``write`` on change."""

    def __init__(self, node: Node, mapping_params: dict,
                 write: Callable[[dict], None]) -> None:
        """Declare the parameters on ``node``; ``write`` stores changes in the episode."""
        self._node, self._mapping, self._write = node, dict(mapping_params), write
        self.values: dict[str, Any] = {}
        self._quiet = False
        for key in KEYS:
            value = node.declare_parameter(PREFIX + key, UNSET,
                                           ParameterDescriptor(dynamic_typing=True)).value
            self.values[key] = checked(key, UNSET if value is None else value)
        node.add_on_set_parameters_callback(self._on_set)

    def params(self) -> dict:
        """Return a new episode's params: the mapping's, then the metadata that is set."""
        own = {key: value for key, value in self.values.items()
               if value is not None and value != UNSET}
        return {**self._mapping, **own}

    def next_episode(self) -> None:
        """Unset the metadata that does not carry over (success, notes) for the next episode."""
        reset = [Parameter(PREFIX + key, value=UNSET)
                 for key in KEYS if key not in CARRIED]
        self._quiet = True
        try:
            self._node.set_parameters(reset)
        finally:
            self._quiet = False

    def _on_set(self, parameters: list) -> SetParametersResult:
        changes = {}
        try:
            for parameter in parameters:
                if not parameter.name.startswith(PREFIX):
                    continue
                changes[parameter.name[len(PREFIX):]] = checked(
                    parameter.name[len(PREFIX):], parameter.value)
        except ValueError as err:
            return SetParametersResult(successful=False, reason=str(err))
        if not changes:
            return SetParametersResult(successful=True)
        if not self._quiet:
            try:
                self._write(changes)
            except Exception as err:  # noqa: BLE001 - the caller gets the reason, node runs
                return SetParametersResult(successful=False,
                                           reason=f"episode metadata not stored: {err}")
        self.values.update(changes)
        return SetParametersResult(successful=True)

"""The recorder's ROS interface besides its topics: text parameters, and the Trigger services
under its name: ``~/flush``, ``~/pause``, ``~/resume``, ``~/new_episode``
(``ros2 service call /recorder/pause std_srvs/srv/Trigger``)."""

from __future__ import annotations

from typing import Any, Callable

from rcl_interfaces.msg import ParameterDescriptor
from std_srvs.srv import Trigger

from ml_dash_ros.errors import MlDashRosError


def add_services(node: Any) -> None:
    """Create the services on a RecorderNode; each answers with what it did."""
    actions: dict[str, Callable[[], str]] = {
        "flush": lambda: _flush(node),
        "pause": lambda: node.set_paused(True),
        "resume": lambda: node.set_paused(False),
        "new_episode": node.new_episode,
    }
    for name, action in actions.items():
        node.create_service(Trigger, f"~/{name}", _answer(action))


def _flush(node: Any) -> str:
    node.experiment.tracks.flush()
    return f"flushed {node.prefix}"


def _answer(action: Callable[[], str]) -> Callable:
    def handler(request, response):
        try:
            response.success, response.message = True, action()
        except (MlDashRosError, OSError) as err:   # e.g. the next episode cannot be opened
            response.success, response.message = False, str(err)
        return response
    return handler


def text_parameter(node: Any, name: str) -> str:
    """Declare a text parameter that accepts any value (``prefix:=20261125`` is text)."""
    value = node.declare_parameter(name, "", ParameterDescriptor(dynamic_typing=True)).value
    return "" if value is None else str(value)

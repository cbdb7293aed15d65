"""The recorder's Trigger services under its name: ``~/flush``, ``~/pause``, ``~/resume``,
``~/new_episode`` (``ros2 service call /recorder/pause std_srvs/srv/Trigger``)."""

from __future__ import annotations

from typing import Any, Callable

from std_srvs.srv import Trigger


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
        response.success, response.message = True, action()
        return response
    return handler

"""The stamp policy: which time becomes an entry's ``_ts``. One rule for the node, bag import
and ``to_entries``.

``auto`` (the default) does what a robot stack means:

- a non-zero ``header.stamp`` is the time of the data;
- a message without a header (``Twist`` on ``/cmd_vel``, ``std_msgs/*``) is stamped with its
  receive time (the node clock, or the bag's log time);
- a zero stamp on a static / latched topic (``/tf_static`` from ``static_transform_publisher``,
  Gazebo, URDF stacks) means "valid at all times": kept at ``_ts = 0.0`` (``STATIC_TS``);
- a zero stamp anywhere else is a publisher that does not stamp: counted as ``no_stamp`` and not
  written, with the fix in the reason (a zero ``_ts`` would merge every such message into one row).

Explicit policies: ``header`` (like auto, but a message without a header is ``no_stamp``),
``receive`` (always the receive time) and ``header_or_receive`` (zero or missing stamps fall back
to the receive time). Which source gave a row's ``_ts`` is recoverable from the row: ``_ts == 0``
is static, ``_ts == _recv_ts`` is the receive time, anything else the header stamp.
"""

from __future__ import annotations

from typing import NamedTuple

STAMP_POLICIES = ("auto", "header", "receive", "header_or_receive")
DEFAULT_POLICY = "auto"
STATIC_TS = 0.0

# What happened to a stamp (the counter a pipeline increments).
HEADER, RECEIVED, STATIC, FALLBACK, NO_STAMP = (
    "header", "stamped_on_receive", "static_stamp", "stamp_fallback", "no_stamp")


class StampChoice(NamedTuple):
    """The ``_ts`` an entry gets (None: not written) and why."""

    ts: float | None
    source: str
    reason: str = ""


def choose_stamp(policy: str, header_stamp: float | None, receive_time: float | None,
                 static: bool = False) -> StampChoice:
    """Return the ``_ts`` of one entry by ``policy``; ``header_stamp`` None means no header."""
    if policy == "receive":
        return StampChoice(receive_time, RECEIVED)
    if header_stamp:
        return StampChoice(header_stamp, HEADER)
    if policy == "header_or_receive":
        return StampChoice(receive_time, FALLBACK)
    if header_stamp is not None and static:
        return StampChoice(STATIC_TS, STATIC)
    if header_stamp is None and policy == "auto":
        return StampChoice(receive_time, RECEIVED)
    if header_stamp is None:
        return StampChoice(None, NO_STAMP, "the message has no header, so no stamp under "
                           "'stamp: header'; use 'stamp: auto' or 'stamp: receive' for this topic")
    return StampChoice(None, NO_STAMP, "header.stamp is zero: the publisher does not stamp its "
                       "messages; set 'stamp: header_or_receive' (or 'receive') for this topic "
                       "to record them at their receive time")

"""Connections of a loop with itself: both ends watched by that loop, so no outside input."""

from __future__ import annotations

import socket
from typing import Any

#: Above this many watched descriptors, do not look (a busy server is never stalled).
MAX_FDS = 64


def only_internal(loop: Any, own: int) -> bool:
    """True if every descriptor `loop` watches (but `own`, its wake-up socket) is one end
    of a TCP connection whose other end the loop also watches: a client and a server of
    the same loop. Nothing outside can send on those; only the loop's own tasks and
    callbacks could (a listening socket, a pipe, a connection to anywhere else: False)."""
    try:
        keys = [k for k in list(loop._selector.get_map().values()) if k.fd != own]
    except (AttributeError, TypeError):  # not a selector we know (a test's mock)
        return False
    if not keys or len(keys) > MAX_FDS:
        return not keys
    transports = getattr(loop, "_transports", None)
    if transports is None:
        return False
    ends: dict[int, tuple[Any, Any]] = {}
    for key in keys:
        transport = transports.get(key.fd)
        sock = getattr(transport, "_sock", None)
        if not isinstance(sock, socket.socket) or sock.family not in _INET:
            return False
        try:
            ends[key.fd] = (sock.getsockname(), sock.getpeername())
        except OSError:  # not connected (a listening or closing socket): may get input
            return False
    names = {here for here, _ in ends.values()}
    return all(peer in names for _, peer in ends.values())


_INET = (socket.AF_INET, socket.AF_INET6)

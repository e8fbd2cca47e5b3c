"""A loop's connections with itself are no outside input; anything else watched is."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from aiodeadlock.instrument.sockpairs import only_internal


def own_fd(loop: Any) -> int:
    return int(loop._ssock.fileno())


async def _idle() -> None:
    for _ in range(5):  # let connections be made and readers registered
        await asyncio.sleep(0.01)


def test_a_client_and_server_of_the_same_loop_are_internal() -> None:
    async def main() -> list[bool]:
        loop = asyncio.get_running_loop()
        seen = []
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        seen.append(only_internal(loop, own_fd(loop)))  # listening: anyone may connect
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await _idle()
        seen.append(only_internal(loop, own_fd(loop)))  # still listening
        server.close()
        await _idle()
        seen.append(only_internal(loop, own_fd(loop)))  # client and server side only
        writer.close()
        await _idle()
        return seen

    assert asyncio.run(main()) == [False, False, True]


def test_a_connection_to_a_socket_outside_the_loop_is_input() -> None:
    outside = socket.create_server(("127.0.0.1", 0))

    async def main() -> bool:
        loop = asyncio.get_running_loop()
        port = outside.getsockname()[1]
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        peer, _ = outside.accept()  # the other end stays outside the loop
        try:
            await _idle()
            return only_internal(loop, own_fd(loop))
        finally:
            writer.close()
            peer.close()

    try:
        assert asyncio.run(main()) is False
    finally:
        outside.close()


def test_nothing_watched_is_internal() -> None:
    async def main() -> bool:
        loop = asyncio.get_running_loop()
        return only_internal(loop, own_fd(loop))

    assert asyncio.run(main()) is True

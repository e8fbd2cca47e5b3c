# expect: stall lines=14,26
# requires: 3.12
# A server's connection handler waits for a shutdown Event before it closes its connection;
# main sets that Event only after `await server.wait_closed()`, which (3.12+) waits for
# every connection to close first.
import asyncio

shutting_down = asyncio.Event()


async def handle(reader, writer):
    writer.write(b"hello\n")
    await writer.drain()
    await shutting_down.wait()  # waits for main to say goodbye
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    print((await reader.readline()).decode().strip())
    writer.close()  # the client goes away
    await writer.wait_closed()
    server.close()
    await server.wait_closed()  # waits for the handler's connection to close
    shutting_down.set()  # never reached
    print("closed")


asyncio.run(main())

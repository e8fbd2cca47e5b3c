# expect: none
# requires: 3.12
# A server's handler keeps its connection until a goodbye Event; a timer sets it while main
# waits in `server.wait_closed()`, so the connection closes and wait_closed() returns.
import asyncio

goodbye = asyncio.Event()

greeted = asyncio.Event()  # the client is connected and greeted


async def handle(reader, writer):
    writer.write(b"hello\n")
    await writer.drain()
    await goodbye.wait()
    writer.write(b"bye\n")
    writer.close()


async def client(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    first = (await reader.readline()).decode().strip()
    greeted.set()
    second = (await reader.readline()).decode().strip()
    writer.close()
    return first, second


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    talk = asyncio.create_task(client(port))
    await greeted.wait()
    asyncio.get_running_loop().call_later(1.3, goodbye.set)
    server.close()
    await server.wait_closed()
    print(await talk)


asyncio.run(main())

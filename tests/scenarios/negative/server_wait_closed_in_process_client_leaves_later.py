# expect: none
# requires: 3.12
# The server's handler reads until its client (in the same program) leaves; the client
# stays a while, then closes; main's `server.wait_closed()` returns once it has.
import asyncio

greeted = asyncio.Event()  # the server has the client's connection


async def handle(reader, writer):
    greeted.set()
    data = await reader.read()  # until the client closes
    writer.close()
    print("server got", data.decode())


async def client(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"ping")
    await asyncio.sleep(1.3)
    writer.close()
    await writer.wait_closed()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    talk = asyncio.create_task(client(port))
    await greeted.wait()
    server.close()
    await server.wait_closed()
    await talk
    print("closed")


asyncio.run(main())

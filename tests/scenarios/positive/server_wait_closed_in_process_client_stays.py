# expect: stall lines=16,25,34
# requires: 3.12
# A server's handler keeps its connection open until main says goodbye (an Event); the
# client, in the same program, waits for the server's goodbye line; main sets the Event
# only after `await server.wait_closed()`, which (3.12+) waits for that connection.
import asyncio

goodbye = asyncio.Event()

greeted = asyncio.Event()  # the client is connected and greeted


async def handle(reader, writer):
    writer.write(b"hello\n")
    await writer.drain()
    await goodbye.wait()  # waits for main to say goodbye
    writer.write(b"bye\n")
    writer.close()


async def client(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    print((await reader.readline()).decode().strip())
    greeted.set()
    return await reader.readline()  # waits for the server's goodbye


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    talk = asyncio.create_task(client(port))
    await greeted.wait()
    server.close()
    await server.wait_closed()  # waits for the handler's connection to close
    goodbye.set()  # never reached
    print((await talk).decode().strip())


asyncio.run(main())

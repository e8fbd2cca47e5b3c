# expect: none
# Workers wait on an Event that a TCP request sets; the client connects 1.2 s later.
import asyncio
import socket
import threading
import time


async def worker(go, n):
    await go.wait()
    return n


async def main():
    go = asyncio.Event()

    async def handle(reader, writer):
        await reader.read(2)
        go.set()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    def client():
        time.sleep(1.2)
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"go")

    threading.Thread(target=client).start()
    print(await asyncio.gather(*(worker(go, n) for n in range(3))))
    server.close()
    await server.wait_closed()


asyncio.run(main())

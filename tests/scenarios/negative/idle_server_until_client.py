# expect: none
# A server task waits only on its listening socket; a thread connects after 1.2 s.
import asyncio
import socket
import threading
import time


async def main():
    got = asyncio.Event()

    async def handle(reader, writer):
        print(await reader.read(5))
        writer.close()
        got.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    def client():
        time.sleep(1.2)
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"hello")

    threading.Thread(target=client).start()
    await got.wait()
    server.close()
    await server.wait_closed()


asyncio.run(main())

# expect: none
# serve_forever() on 127.0.0.1; a client sends "shutdown" after 1.2 s and the server stops.
import asyncio
import socket
import threading
import time


async def main():
    stop = asyncio.Event()

    async def handle(reader, writer):
        line = await reader.readline()
        writer.write(b"bye\n")
        await writer.drain()
        writer.close()
        if line.strip() == b"shutdown":
            stop.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    replies = []

    def client():
        time.sleep(1.2)
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"shutdown\n")
            replies.append(s.makefile().readline().strip())

    t = threading.Thread(target=client)
    t.start()
    serving = asyncio.create_task(server.serve_forever())
    await stop.wait()
    serving.cancel()
    try:
        await serving
    except asyncio.CancelledError:
        print("server stopped")
    await asyncio.to_thread(t.join)
    print("client got", replies)


asyncio.run(main())

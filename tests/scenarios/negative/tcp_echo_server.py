# expect: none
# A TCP echo server on 127.0.0.1 with three clients; the server task waits on sockets.
import asyncio


async def handle(reader, writer):
    data = await reader.readline()
    writer.write(data)
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def client(port, n, lock):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    async with lock:
        writer.write(f"hello {n}\n".encode())
        await writer.drain()
    line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return line.decode().strip()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    lock = asyncio.Lock()
    async with server:
        await asyncio.sleep(0.2)  # the server idles on its socket with no client
        print(sorted(await asyncio.gather(*(client(port, n, lock) for n in range(3)))))


asyncio.run(main())

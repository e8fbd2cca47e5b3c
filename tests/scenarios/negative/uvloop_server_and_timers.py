# expect: none
# On uvloop: a TCP server idles 1.3 s until its client connects, a timer sets an Event,
# and a thread's result comes back through run_in_executor, all while locks are held.
import asyncio
import time

import uvloop


async def handle(reader, writer, lock):
    async with lock:
        data = await reader.readline()
        writer.write(data.upper())
        await writer.drain()
    writer.close()


async def main():
    lock = asyncio.Lock()
    ready = asyncio.Event()
    server = await asyncio.start_server(lambda r, w: handle(r, w, lock), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    loop = asyncio.get_running_loop()
    loop.call_later(0.2, ready.set)
    await ready.wait()
    print(await loop.run_in_executor(None, lambda: time.sleep(0.3) or "from thread"))
    await asyncio.sleep(1.3)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"ping\n")
    print(await reader.readline())
    writer.close()
    server.close()
    await server.wait_closed()


uvloop.run(main())

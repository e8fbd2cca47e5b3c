# expect: none
# An anyio TCP server waits 1.3 s for its first client (longer than the stall grace);
# the handler answers under an anyio.Lock and the server shuts down.
import anyio


async def main():
    lock = anyio.Lock()
    served = anyio.Event()
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)

    async def handle(client):
        async with client, lock:
            data = await client.receive()
            await client.send(data.upper())
        served.set()

    async def client():
        await anyio.sleep(1.3)
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            await stream.send(b"ping")
            print(await stream.receive())

    async with anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handle)
        tg.start_soon(client)
        await served.wait()
        tg.cancel_scope.cancel()
    print("served")


anyio.run(main)

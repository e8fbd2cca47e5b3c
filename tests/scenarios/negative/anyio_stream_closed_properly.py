# expect: none
# A producer and two consumers over a memory object stream; every end is closed with
# `async with`, so the consumers' loops end when the producer is done.
import anyio


async def produce(send):
    async with send:
        for i in range(10):
            await send.send(i)


async def consume(receive, got):
    async with receive:
        async for item in receive:
            got.append(item)
            await anyio.sleep(0.001)


async def main():
    send, receive = anyio.create_memory_object_stream[int](2)
    got = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(produce, send)
        tg.start_soon(consume, receive.clone(), got)
        tg.start_soon(consume, receive, got)
    print(sorted(got))


anyio.run(main)

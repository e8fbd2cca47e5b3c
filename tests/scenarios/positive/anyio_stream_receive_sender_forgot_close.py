# expect: stall lines=15
# timeout: 8
# A producer sends its items and returns without closing its send stream: the consumer's
# loop waits for an item (or the end of the stream) forever.
import anyio


async def produce(send):
    for i in range(3):
        await send.send(i)  # no `async with send:`: never closed


async def consume(receive):
    async with receive:
        async for item in receive:  # waits after the last item
            print("got", item)


async def main():
    send, receive = anyio.create_memory_object_stream[int](1)
    async with anyio.create_task_group() as tg:
        tg.start_soon(produce, send)
        tg.start_soon(consume, receive)


anyio.run(main)

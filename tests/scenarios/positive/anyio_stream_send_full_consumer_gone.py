# expect: stall lines=11
# timeout: 8
# The consumer stops after one item without closing its receive stream; the producer
# fills the buffer and waits for room forever.
import anyio


async def produce(send):
    async with send:
        for i in range(5):
            await send.send(i)  # the buffer is full: waits for a receive
            print("sent", i)


async def consume(receive):
    item = await receive.receive()
    print("got", item)  # returns, the stream left open


async def main():
    send, receive = anyio.create_memory_object_stream[int](1)
    async with anyio.create_task_group() as tg:
        tg.start_soon(produce, send)
        tg.start_soon(consume, receive)


anyio.run(main)

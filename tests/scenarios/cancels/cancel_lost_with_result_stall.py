# expect: stall lines=27,37
# potential: cancel-ignored lines=27,37
# cancelled-at: 36
# caught-at: 16
# timeout: 8
# A helper returns the result when its cancel and its result arrive together (as
# wait_for did before 3.12): the consumer never sees the cancel and goes back to the queue,
# and main, which cancelled it, waits for it forever.
import asyncio


async def get_item(q):
    fut = asyncio.ensure_future(q.get())
    try:
        return await fut
    except asyncio.CancelledError:
        if fut.done():
            return fut.result()  # the cancel is lost here
        fut.cancel()
        raise


async def consume(q, seen):
    while True:
        seen.append(await get_item(q))
        await asyncio.sleep(0)
        seen.append(await get_item(q))  # back to an empty queue, cancel forgotten


async def main():
    q, seen = asyncio.Queue(), []
    consumer = asyncio.create_task(consume(q, seen), name="consumer")
    await asyncio.sleep(0.05)
    q.put_nowait("last")
    await asyncio.sleep(0)  # the item is taken: the consumer is about to wake
    consumer.cancel()
    await consumer  # never ends


asyncio.run(main())

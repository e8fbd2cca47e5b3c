# expect: none
# The recorded queue operations change nothing: priority and LIFO queues, a subclass that
# overrides put_nowait, get_nowait on an empty queue, put_nowait on a full one, and a
# Condition notified from a plain callback.
import asyncio


class CountingQueue(asyncio.Queue):
    def __init__(self):
        super().__init__()
        self.puts = 0

    def put_nowait(self, item):
        self.puts += 1
        super().put_nowait(item)


async def main():
    pq, lq, cq, small = asyncio.PriorityQueue(), asyncio.LifoQueue(), CountingQueue(), asyncio.Queue(1)
    for i in (3, 1, 2):
        await pq.put(i)
        lq.put_nowait(i)
        await cq.put(i)
    print([pq.get_nowait() for _ in range(3)], [await lq.get() for _ in range(3)], cq.puts)
    try:
        cq.get_nowait()
        cq.get_nowait()
        cq.get_nowait()
        cq.get_nowait()
    except asyncio.QueueEmpty:
        print("empty")
    small.put_nowait("x")
    try:
        small.put_nowait("y")
    except asyncio.QueueFull:
        print("full")
    cond = asyncio.Condition()

    async def notify_later():
        async with cond:
            cond.notify_all()

    asyncio.get_running_loop().call_soon(lambda: asyncio.ensure_future(notify_later()))
    async with cond:
        await cond.wait()
    print("notified")


asyncio.run(main())

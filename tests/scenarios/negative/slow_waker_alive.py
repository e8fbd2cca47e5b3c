# expect: none
# Wakers that are slow but alive: one sets the Event after a 1.3 s timer, one waits for a
# thread (1.2 s) before it puts into the queue; the waiters hold a lock meanwhile.
import asyncio
import time


async def late_setter(ready):
    await asyncio.sleep(1.3)
    ready.set()


async def thread_putter(q):
    value = await asyncio.to_thread(lambda: (time.sleep(1.2), "from thread")[1])
    await q.put(value)


async def main():
    lock, ready, q = asyncio.Lock(), asyncio.Event(), asyncio.Queue()
    async with lock:
        asyncio.create_task(late_setter(ready))
        asyncio.create_task(thread_putter(q))
        await ready.wait()
        print(await q.get())


asyncio.run(main())

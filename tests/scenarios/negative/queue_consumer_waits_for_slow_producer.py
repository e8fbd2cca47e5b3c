# expect: none
# A consumer waits on Queue.get while the producer task computes in a thread for 1.2 s.
import asyncio
import time


async def producer(q):
    value = await asyncio.to_thread(lambda: (time.sleep(1.2), 42)[1])
    await q.put(value)


async def main():
    q = asyncio.Queue()
    t = asyncio.create_task(producer(q))
    print(await q.get())
    await t


asyncio.run(main())

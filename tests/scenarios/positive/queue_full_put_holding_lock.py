# expect: wait-cycle lines=9,11,17
# timeout: 6
# A producer puts into a full bounded queue while holding the lock the consumer needs
# before it takes anything out.
import asyncio


async def producer(lock, q):
    async with lock:  # taken here
        for i in range(3):
            await q.put(i)  # the queue holds 1: waits for a get


async def consumer(lock, q):
    await asyncio.sleep(0.01)
    while True:
        async with lock:  # waits for the producer's lock
            item = await q.get()
        print(item)


async def main():
    lock, q = asyncio.Lock(), asyncio.Queue(maxsize=1)
    await asyncio.gather(producer(lock, q), consumer(lock, q))


asyncio.run(main())

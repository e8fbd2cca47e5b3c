# expect: wait-cycle lines=10,12,18,21
# timeout: 6
# A producer sets "ready" each round under a lock; the consumer clears it and waits for the
# next round while still holding the lock, so the producer's next round never starts.
import asyncio


async def producer(lock, ready, items):
    for i in range(3):
        async with lock:  # waits: the consumer holds it
            items.append(i)
        ready.set()  # did here in the first round
        await asyncio.sleep(0.01)


async def consumer(lock, ready, items):
    await ready.wait()
    async with lock:  # taken here
        print(items.pop())
        ready.clear()
        await ready.wait()  # waits for the producer's next round
        print(items.pop())


async def main():
    lock, ready, items = asyncio.Lock(), asyncio.Event(), []
    await asyncio.gather(producer(lock, ready, items), consumer(lock, ready, items))


asyncio.run(main())

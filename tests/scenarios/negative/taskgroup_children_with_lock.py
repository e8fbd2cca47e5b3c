# expect: none
# requires: 3.11
# TaskGroup children share a lock; the parent does not hold it while it waits.
import asyncio


async def child(lock, out, n):
    async with lock:
        await asyncio.sleep(0.001)
        out.append(n)


async def main():
    lock, out = asyncio.Lock(), []
    async with asyncio.TaskGroup() as tg:
        for n in range(10):
            tg.create_task(child(lock, out, n))
    print(sorted(out))


asyncio.run(main())

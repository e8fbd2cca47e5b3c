# expect: none
# timeout: 4
# 2000 tasks contend for one lock under a Semaphore(10); plain python takes ~0.3 s.
import asyncio


async def bump(lock, sem, box):
    for _ in range(5):
        async with sem:
            async with lock:
                await asyncio.sleep(0)
                box[0] += 1


async def main():
    lock, sem, box = asyncio.Lock(), asyncio.Semaphore(10), [0]
    await asyncio.gather(*(bump(lock, sem, box) for _ in range(2000)))
    print(box[0])


asyncio.run(main())

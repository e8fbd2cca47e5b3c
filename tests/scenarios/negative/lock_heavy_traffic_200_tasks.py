# expect: none
# 200 tasks hammer one lock (async with and acquire/release), yielding while they hold it.
import asyncio

counter = 0


async def bump(lock, i):
    global counter
    for _ in range(20):
        if i % 2:
            async with lock:
                value = counter
                await asyncio.sleep(0)
                counter = value + 1
        else:
            await lock.acquire()
            try:
                value = counter
                await asyncio.sleep(0)
                counter = value + 1
            finally:
                lock.release()


async def main():
    lock = asyncio.Lock()
    await asyncio.gather(*(bump(lock, i) for i in range(200)))
    print("counter", counter)


asyncio.run(main())

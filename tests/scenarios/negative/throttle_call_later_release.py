# expect: none
# A rate limiter: take the lock, schedule its release 50 ms later, go on.
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    lock = asyncio.Lock()
    start = loop.time()
    for i in range(5):
        await lock.acquire()
        loop.call_later(0.05, lock.release)
        print("request", i)
    print("spaced", loop.time() - start >= 0.19)


asyncio.run(main())

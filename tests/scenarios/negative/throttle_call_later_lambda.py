# expect: none
# A throttle whose timer releases the lock through a lambda.
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    lock = asyncio.Lock()
    for i in range(3):
        await lock.acquire()
        loop.call_later(0.05, lambda: lock.release())
        print("request", i)


asyncio.run(main())

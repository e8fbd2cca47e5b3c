# expect: none
# requires: 3.11
# The holder tries its own lock under asyncio.timeout() and recovers.
import asyncio


async def main():
    lock = asyncio.Lock()
    async with lock:
        try:
            async with asyncio.timeout(0.1):
                await lock.acquire()
        except TimeoutError:
            print("timed out")
    print("free:", not lock.locked())


asyncio.run(main())

# expect: none
# A coroutine keeps the loop busy with 2 s of CPU work: slow, but not a deadlock.
import asyncio
import time


async def crunch():
    end = time.monotonic() + 2.0
    n = 0
    while time.monotonic() < end:
        n += sum(range(100))
    return n > 0


async def main():
    print(await crunch())


asyncio.run(main())

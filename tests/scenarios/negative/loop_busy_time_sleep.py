# expect: none
# A coroutine calls time.sleep(2): it blocks the loop, but it returns.
import asyncio
import time


async def main():
    await asyncio.sleep(0.01)
    time.sleep(2)
    print("done")


asyncio.run(main())

# expect: none
# A token bucket on an anyio.Semaphore: each permit is given back by a loop timer, not by
# the task that took it.
import asyncio

import anyio


async def main():
    loop = asyncio.get_running_loop()
    tokens = anyio.Semaphore(2)
    for i in range(6):
        await tokens.acquire()
        loop.call_later(0.03, tokens.release)
        print("call", i)


anyio.run(main)

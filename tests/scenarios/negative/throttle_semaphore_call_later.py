# expect: none
# A token bucket: each permit is given back by a timer, not by the task that took it.
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    tokens = asyncio.Semaphore(2)
    for i in range(6):
        await tokens.acquire()
        loop.call_later(0.03, tokens.release)
        print("call", i)


asyncio.run(main())

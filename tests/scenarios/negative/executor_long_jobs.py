# expect: none
# run_in_executor and to_thread jobs that outlast the stall grace.
import asyncio
import time


def crunch(n):
    time.sleep(1.2)
    return n


async def main():
    loop = asyncio.get_running_loop()
    print(await loop.run_in_executor(None, crunch, 1))
    print(await asyncio.to_thread(crunch, 2))


asyncio.run(main())

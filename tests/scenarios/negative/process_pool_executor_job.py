# expect: none
# A ProcessPoolExecutor job that outlasts the stall grace.
import asyncio
import concurrent.futures
import time


def crunch(n):
    time.sleep(1.2)
    return n * 2


async def main():
    loop = asyncio.get_running_loop()
    with concurrent.futures.ProcessPoolExecutor(1) as pool:
        print(await loop.run_in_executor(pool, crunch, 21))


if __name__ == "__main__":
    asyncio.run(main())

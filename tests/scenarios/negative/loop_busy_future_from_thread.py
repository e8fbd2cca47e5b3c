# expect: none
# A coroutine waits synchronously for a job in a thread pool: the loop is blocked for
# 1.5 s, but the worker finishes the job without the loop.
import asyncio
import concurrent.futures
import time


def slow_square(n):
    time.sleep(1.5)
    return n * n


async def main():
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        print(pool.submit(slow_square, 7).result())


asyncio.run(main())

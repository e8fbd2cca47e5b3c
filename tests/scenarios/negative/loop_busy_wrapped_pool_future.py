# expect: none
# A pool job's future is also wrapped for awaiting, then waited on synchronously: the loop
# is blocked for 1.5 s, but the worker completes the job without the loop.
import asyncio
import concurrent.futures
import time


def slow_square(n):
    time.sleep(1.5)
    return n * n


async def report(fut):
    print("awaited:", await asyncio.wrap_future(fut))


async def main():
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        fut = pool.submit(slow_square, 7)
        reporter = asyncio.create_task(report(fut))
        await asyncio.sleep(0.01)
        print("result:", fut.result())  # blocks the loop until the worker is done
        await reporter


asyncio.run(main())

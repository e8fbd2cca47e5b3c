# expect: none
# A job waits for another job of the same pool that is already running on the other
# worker and takes a while: the pool drains.
import asyncio
import concurrent.futures
import threading
import time

pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool")
slow_started = threading.Event()


def slow():
    slow_started.set()
    time.sleep(1.5)
    return "slow"


def waiter(fut):
    slow_started.wait()
    return fut.result() + " done"  # runs on the other worker


async def main():
    loop = asyncio.get_running_loop()
    first = pool.submit(slow)
    print(await loop.run_in_executor(pool, waiter, first))


asyncio.run(main())

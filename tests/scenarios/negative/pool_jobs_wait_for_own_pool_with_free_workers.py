# expect: none
# Two jobs of a four-thread pool each submit a part to the same pool and wait for it:
# two workers are still free, so the parts run at once.
import asyncio
import concurrent.futures
import threading
import time

pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="pool")
both_running = threading.Barrier(2)


def part(n):
    time.sleep(1.3)
    return n * 2


def job(n):
    both_running.wait()  # both workers are busy now
    future = pool.submit(part, n)  # a free worker runs it
    return future.result()


async def main():
    loop = asyncio.get_running_loop()
    results = await asyncio.gather(*(loop.run_in_executor(pool, job, n) for n in range(2)))
    print(results)


asyncio.run(main())

# expect: none
# Both workers of a two-thread pool wait for parts submitted to a second pool: that pool's
# workers are free, so every job ends (the parts take longer than the stall grace).
import asyncio
import concurrent.futures
import threading
import time

jobs = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="jobs")
parts = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="parts")
both_running = threading.Barrier(2)


def part(n):
    time.sleep(1.3)
    return n * 2


def job(n):
    both_running.wait()
    return parts.submit(part, n).result()


async def main():
    loop = asyncio.get_running_loop()
    print(await asyncio.gather(*(loop.run_in_executor(jobs, job, n) for n in range(2))))


asyncio.run(main())

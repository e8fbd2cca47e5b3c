# expect: none
# Both jobs of a three-thread pool call a sync wrapper over a coroutine of the loop; the
# coroutine awaits a job of the same pool, which the third worker runs.
import asyncio
import concurrent.futures
import threading
import time

pool = concurrent.futures.ThreadPoolExecutor(max_workers=3, thread_name_prefix="pool")
both_running = threading.Barrier(2)


def read_row(n):
    time.sleep(1.3)
    return n * 2


async def fetch(n):
    return await asyncio.get_running_loop().run_in_executor(pool, read_row, n)  # a free worker


def handler(loop, n):
    both_running.wait()  # both workers are busy now
    return asyncio.run_coroutine_threadsafe(fetch(n), loop).result()  # waits for fetch()


async def main():
    loop = asyncio.get_running_loop()
    results = await asyncio.gather(*(loop.run_in_executor(pool, handler, loop, n) for n in range(2)))
    print(results)


asyncio.run(main())

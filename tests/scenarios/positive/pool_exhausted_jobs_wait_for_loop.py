# expect: wait-cycle lines=17,22
# Both workers of a pool call a sync wrapper over a coroutine of the loop; the coroutine
# awaits a job of the same pool, queued behind the two wrappers, which wait for it forever.
import asyncio
import concurrent.futures
import threading

pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool")
both_running = threading.Barrier(2)


def read_row(n):
    return n * 2


async def fetch(n):
    return await asyncio.get_running_loop().run_in_executor(pool, read_row, n)  # queued


def handler(loop, n):
    both_running.wait()  # both workers are busy now
    return asyncio.run_coroutine_threadsafe(fetch(n), loop).result()  # waits for fetch()


async def main():
    loop = asyncio.get_running_loop()
    results = await asyncio.gather(*(loop.run_in_executor(pool, handler, loop, n) for n in range(2)))
    print(results)


asyncio.run(main())

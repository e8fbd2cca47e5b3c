# expect: none
# Every worker of a two-thread pool waits, with a timeout, for a part queued behind the
# jobs: the waits time out, the jobs go on, and the parts run after them.
import asyncio
import concurrent.futures
import threading

pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool")
both_running = threading.Barrier(2)


def part(n):
    return n * 2


def job(n):
    both_running.wait()  # both workers are busy now
    future = pool.submit(part, n)  # queued behind the two jobs
    concurrent.futures.wait([future], timeout=1.5)  # gives up after a while
    return n


async def main():
    loop = asyncio.get_running_loop()
    print(await asyncio.gather(*(loop.run_in_executor(pool, job, n) for n in range(2))))


asyncio.run(main())

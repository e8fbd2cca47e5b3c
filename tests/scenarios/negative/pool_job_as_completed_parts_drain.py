# expect: none
# A job of a two-thread pool fans out three parts to the same pool and collects them with
# concurrent.futures.as_completed(): the other worker runs them one after another.
import asyncio
import concurrent.futures
import time

pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool")


def part(n):
    time.sleep(0.5)
    return n * 2


def job():
    parts = [pool.submit(part, n) for n in range(3)]  # queued behind each other
    return sorted(f.result() for f in concurrent.futures.as_completed(parts))


async def main():
    print(await asyncio.get_running_loop().run_in_executor(pool, job))


asyncio.run(main())

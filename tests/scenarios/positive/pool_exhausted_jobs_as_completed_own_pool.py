# expect: wait-cycle lines=21,28
# Every worker of a two-thread pool runs a job that fans out two parts to the same pool and
# collects them with concurrent.futures.as_completed(): every part is queued behind the
# jobs, so none ever completes.
import asyncio
import concurrent.futures
import threading

pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool")
both_running = threading.Barrier(2)


def part(n):
    return n * 2


def job(n):
    both_running.wait()  # both workers are busy now
    parts = [pool.submit(part, n), pool.submit(part, n + 10)]  # queued behind the jobs
    total = 0
    for future in concurrent.futures.as_completed(parts):  # no worker ever gets free
        total += future.result()
    return total


async def main():
    loop = asyncio.get_running_loop()
    results = await asyncio.gather(*(loop.run_in_executor(pool, job, n) for n in range(2)))
    print(results)


asyncio.run(main())

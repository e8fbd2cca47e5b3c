# expect: wait-cycle lines=20,26
# Every worker of a two-thread pool runs a job that submits a part to the same pool and
# waits for it with concurrent.futures.wait() (ALL_COMPLETED): the parts are queued behind
# the jobs, which never end (pool exhaustion).
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
    done, _ = concurrent.futures.wait([future])  # waits for a worker that never gets free
    return done.pop().result()


async def main():
    loop = asyncio.get_running_loop()
    results = await asyncio.gather(*(loop.run_in_executor(pool, job, n) for n in range(2)))
    print(results)


asyncio.run(main())

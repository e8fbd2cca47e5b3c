# expect: none
# Both workers of a pool wait for parts queued behind them (pool exhaustion), but the
# program gives the jobs 2 seconds: on timeout it shuts the pool down, cancelling the
# queued parts, which ends the workers' waits.
import asyncio
import concurrent.futures
import threading

pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool")
both_running = threading.Barrier(2)


def part(n):
    return n * 2


def job(n):
    both_running.wait()
    try:
        return pool.submit(part, n).result()  # queued behind the two jobs
    except concurrent.futures.CancelledError:
        return "gave up"


async def main():
    loop = asyncio.get_running_loop()
    jobs = [loop.run_in_executor(pool, job, n) for n in range(2)]
    try:
        print(await asyncio.wait_for(asyncio.gather(*jobs), 2.0))
    except asyncio.TimeoutError:
        pool.shutdown(wait=True, cancel_futures=True)  # the queued parts are cancelled
        print("timed out; the pool is shut down")


asyncio.run(main())

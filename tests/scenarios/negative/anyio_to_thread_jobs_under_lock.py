# expect: none
# Blocking jobs run through anyio.to_thread.run_sync (the default limiter and a limiter of
# one) while an anyio.Lock is held; a job lasts 1.2 s, longer than the stall grace.
import time

import anyio
import anyio.to_thread


def blocking(seconds, value):
    time.sleep(seconds)
    return value * 2


async def main():
    lock = anyio.Lock()
    single = anyio.CapacityLimiter(1)
    async with lock:
        a = await anyio.to_thread.run_sync(blocking, 1.2, 21)
    results = []

    async def job(n):
        results.append(await anyio.to_thread.run_sync(blocking, 0.05, n, limiter=single))

    async with anyio.create_task_group() as tg:
        for n in range(3):
            tg.start_soon(job, n)
    print(a, sorted(results))


anyio.run(main)

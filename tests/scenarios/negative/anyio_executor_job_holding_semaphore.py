# expect: none
# Inside an anyio program, jobs go to a concurrent.futures executor through the asyncio
# loop while each holds a permit of an anyio.Semaphore; one job lasts 1.2 s.
import asyncio
import concurrent.futures
import time

import anyio


def blocking(seconds):
    time.sleep(seconds)
    return seconds


async def job(pool, gate, seconds, out):
    async with gate:
        loop = asyncio.get_running_loop()
        out.append(await loop.run_in_executor(pool, blocking, seconds))


async def main():
    gate = anyio.Semaphore(2)
    out = []
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        async with anyio.create_task_group() as tg:
            for seconds in (1.2, 0.1, 0.1):
                tg.start_soon(job, pool, gate, seconds, out)
    print(sorted(out))


anyio.run(main)

# expect: stall lines=13
# timeout: 8
# After a job in anyio's thread pool (whose worker then idles, waiting for the next job),
# a worker waits for an anyio.Event nobody sets.
import time

import anyio
import anyio.to_thread


async def worker(ready):
    await anyio.to_thread.run_sync(time.sleep, 0.01)
    await ready.wait()  # never set
    print("working")


async def main():
    ready = anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(worker, ready)


anyio.run(main)

# expect: stall lines=8
# timeout: 8
# A worker waits for a "ready" anyio.Event that startup forgot to set.
import anyio


async def worker(ready):
    await ready.wait()  # never set
    print("working")


async def main():
    ready = anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(worker, ready)


anyio.run(main)

# expect: stall lines=8
# timeout: 6
# A worker waits for a "ready" Event that the startup code forgot to set.
import asyncio


async def worker(ready):
    await ready.wait()
    print("working")


async def main():
    ready = asyncio.Event()
    await asyncio.create_task(worker(ready), name="worker")


asyncio.run(main())

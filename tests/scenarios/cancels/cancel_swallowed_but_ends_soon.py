# expect: none
# A task notes its cancel, finishes the item it was on (0.4 s, within the grace period)
# and returns normally; main awaits it: nothing is reported.
import asyncio


async def worker(log):
    stopping = False
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        stopping = True
    await asyncio.sleep(0.4)  # finish the current item
    log.append(stopping)


async def main():
    log = []
    task = asyncio.create_task(worker(log), name="worker")
    await asyncio.sleep(0.05)
    task.cancel()
    await task
    print(log)


asyncio.run(main())

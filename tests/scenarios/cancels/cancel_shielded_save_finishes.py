# expect: none
# A request handler is cancelled while a shielded save runs; it waits for the save (1.3 s)
# in its except block, then raises the cancel again. main awaits the handler.
import asyncio


async def save(log):
    await asyncio.sleep(1.3)
    log.append("saved")


async def handler(log):
    work = asyncio.ensure_future(save(log))
    try:
        await asyncio.shield(work)
    except asyncio.CancelledError:
        await work  # finish the save, then stop
        raise


async def main():
    log = []
    task = asyncio.create_task(handler(log), name="handler")
    await asyncio.sleep(0.05)
    task.cancel()
    results = await asyncio.gather(task, return_exceptions=True)
    print(log, type(results[0]).__name__)


asyncio.run(main())

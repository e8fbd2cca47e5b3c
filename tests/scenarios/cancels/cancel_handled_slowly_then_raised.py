# expect: none
# A task handles its cancel slowly (1.3 s of cleanup in the except block, longer than the
# grace period) and then raises it again: main's wait ends, nothing is reported.
import asyncio


async def flush(log):
    await asyncio.sleep(1.3)
    log.append("flushed")


async def writer(log):
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        await flush(log)
        raise


async def main():
    log = []
    task = asyncio.create_task(writer(log), name="writer")
    await asyncio.sleep(0.05)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("writer cancelled", log)


asyncio.run(main())

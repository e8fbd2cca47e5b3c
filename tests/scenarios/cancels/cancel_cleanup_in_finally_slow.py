# expect: none
# A cancelled task closes its connection in a finally block that takes 1.3 s (longer than
# the grace period); asyncio.run's shutdown and main wait for it; nothing is reported.
import asyncio


async def session(log):
    try:
        while True:
            await asyncio.sleep(0.05)
    finally:
        await asyncio.sleep(1.3)  # a slow goodbye to the server
        log.append("closed")


async def main():
    log = []
    task = asyncio.create_task(session(log), name="session")
    await asyncio.sleep(0.1)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    asyncio.create_task(session(log), name="left running")
    await asyncio.sleep(0.05)
    print(log)


asyncio.run(main())

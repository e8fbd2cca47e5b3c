# expect: none
# requires: 3.11
# asyncio.timeout and TaskGroup cancel the task they run in and take the cancel back
# (uncancel); the task then works on for 1.5 s while main awaits it: nothing is reported.
import asyncio


async def boom():
    await asyncio.sleep(0.02)
    raise KeyError("k")


async def job(log):
    try:
        async with asyncio.timeout(0.05):
            await asyncio.sleep(1)
    except TimeoutError:
        log.append("timed out")
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(boom())
            await asyncio.sleep(1)
    except* KeyError:
        log.append("group failed")
    for _ in range(30):
        await asyncio.sleep(0.05)
    log.append("done")


async def main():
    log = []
    await asyncio.create_task(job(log), name="job")
    print(log)


asyncio.run(main())

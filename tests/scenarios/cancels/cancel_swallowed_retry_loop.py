# expect: none
# potential: cancel-ignored lines=13,24
# cancelled-at: 23
# caught-at: 15
# A retry loop catches BaseException, so the cancel main sends is lost: main waits for the
# worker until it runs out of attempts (2 s), far longer than the grace period.
import asyncio


async def worker(log):
    for attempt in range(40):
        try:  # the cancel is caught below and the loop goes on
            await asyncio.sleep(0.05)
            log.append(attempt)
        except BaseException:
            continue


async def main():
    log = []
    task = asyncio.create_task(worker(log), name="worker")
    await asyncio.sleep(0.1)
    task.cancel()
    await task  # waits 2 s for a task that was told to stop
    print("worker ended", task.cancelled())


asyncio.run(main())

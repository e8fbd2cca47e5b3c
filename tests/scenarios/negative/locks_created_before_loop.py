# expect: none
# Locks and semaphores created at import time, before any loop runs, then contended.
import asyncio

LOCK = asyncio.Lock()
SEM = asyncio.Semaphore(2)
COND = asyncio.Condition()


async def user(i, log):
    async with SEM:
        async with LOCK:
            await asyncio.sleep(0.001)
            log.append(i)
    async with COND:
        COND.notify_all()


async def main():
    log = []
    await asyncio.gather(*(user(i, log) for i in range(20)))
    print(len(log))


asyncio.run(main())

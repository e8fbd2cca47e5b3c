# expect: self-deadlock lines=14,15
# A Lock subclass that logs acquisitions still deadlocks when taken twice.
import asyncio


class LoggingLock(asyncio.Lock):
    async def acquire(self):
        print("acquire")
        return await super().acquire()


async def main():
    lock = LoggingLock()
    async with lock:
        await lock.acquire()


asyncio.run(main())

# expect: self-deadlock lines=11,12
# exit: 1
# args: --on-deadlock raise
# With --on-deadlock raise and nobody catching it, DeadlockError ends the program like
# any uncaught exception (status 1), and the report is still written.
import asyncio


async def main():
    lock = asyncio.Lock()
    async with lock:
        await lock.acquire()


asyncio.run(main())

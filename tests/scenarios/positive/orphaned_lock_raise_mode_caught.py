# expect: orphaned-lock lines=13,20
# exit: 0
# args: --on-deadlock raise
# stdout-has: caught orphaned-lock
# potential: orphaned-lock lines=13
# The waiter of an orphaned lock gets DeadlockError, recovers and goes on.
import asyncio

import aiodeadlock


async def holder(lock):
    await lock.acquire()


async def main():
    lock = asyncio.Lock()
    await asyncio.create_task(holder(lock))
    try:
        await lock.acquire()
    except aiodeadlock.DeadlockError as exc:
        print("caught", exc.findings[0].kind.name)


asyncio.run(main())

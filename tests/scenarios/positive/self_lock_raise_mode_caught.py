# expect: self-deadlock lines=13,15
# exit: 0
# args: --on-deadlock raise
# stdout-has: caught self-deadlock DL101
# With --on-deadlock raise the waiting task gets DeadlockError and may handle it.
import asyncio

import aiodeadlock


async def main():
    lock = asyncio.Lock()
    async with lock:
        try:
            async with lock:
                pass
        except aiodeadlock.DeadlockError as exc:
            f = exc.findings[0]
            print("caught", f.kind.name, f.kind.code)
    print("lock free again:", not lock.locked())


asyncio.run(main())

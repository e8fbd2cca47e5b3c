# expect: self-deadlock lines=9,10
# A Condition built on an explicit Lock: holding the lock, the task enters the condition.
import asyncio


async def main():
    lock = asyncio.Lock()
    cond = asyncio.Condition(lock)
    async with lock:
        async with cond:  # the same lock underneath
            cond.notify_all()


asyncio.run(main())

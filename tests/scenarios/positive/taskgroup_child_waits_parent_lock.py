# expect: wait-cycle lines=15,16,9
# requires: 3.11
# timeout: 5
# The parent holds a lock across a TaskGroup whose child needs that lock.
import asyncio


async def child(lock):
    async with lock:
        print("child ran")


async def main():
    lock = asyncio.Lock()
    async with lock:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(child(lock))


asyncio.run(main())

# expect: none
# The parent holds a lock and takes the first result from as_completed(); one child needs
# the lock, another finishes on its own.
import asyncio


async def needs_lock(lock):
    async with lock:
        return "locked child"


async def main():
    lock = asyncio.Lock()
    async with lock:
        tasks = [asyncio.create_task(needs_lock(lock)), asyncio.create_task(asyncio.sleep(0.2, "free child"))]
        for fut in asyncio.as_completed(tasks):
            print(await fut)
            break
    print(await tasks[0])


asyncio.run(main())

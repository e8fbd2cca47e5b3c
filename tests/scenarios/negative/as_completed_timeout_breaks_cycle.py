# expect: none
# The parent holds a lock and collects, with as_completed(timeout=...), children that need
# the lock: the timeout ends the wait, the parent releases the lock, the children finish.
import asyncio


async def needs_lock(lock, i):
    async with lock:
        return i


async def main():
    lock = asyncio.Lock()
    async with lock:
        children = [asyncio.create_task(needs_lock(lock, i)) for i in range(2)]
        try:
            for fut in asyncio.as_completed(children, timeout=0.3):
                print(await fut)
        except TimeoutError:
            print("timed out")
    print(sorted(await asyncio.gather(*children)))


asyncio.run(main())

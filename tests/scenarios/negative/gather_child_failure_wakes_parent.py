# expect: none
# The parent holds a lock while gathering; one child needs the lock, but the other child
# raises, gather() raises in the parent, the parent releases the lock and the child goes on.
import asyncio


async def failing():
    await asyncio.sleep(0.05)
    raise ValueError("bad input")


async def needs_lock(lock):
    async with lock:
        print("child got the lock")


async def main():
    lock = asyncio.Lock()
    child = asyncio.ensure_future(needs_lock(lock))
    async with lock:
        try:
            await asyncio.gather(failing(), child)
        except ValueError as exc:
            print("gather failed:", exc)
    await child


asyncio.run(main())

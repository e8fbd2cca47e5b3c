# expect: none
# A task holds one of two permits and asks for another while a second task holds the other.
import asyncio


async def other(pool, started):
    async with pool:
        started.set()
        await asyncio.sleep(0.05)


async def main():
    pool = asyncio.BoundedSemaphore(2)
    started = asyncio.Event()
    t = asyncio.create_task(other(pool, started))
    await started.wait()
    async with pool:
        async with pool:  # waits for the other task's permit, not for its own
            print("two permits")
    await t


asyncio.run(main())

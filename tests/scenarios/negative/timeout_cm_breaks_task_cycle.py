# expect: none
# requires: 3.11
# The parent holds a lock and awaits a child needing it inside asyncio.timeout().
import asyncio


async def needs_lock(lock):
    async with lock:
        return "child"


async def main():
    lock = asyncio.Lock()
    async with lock:
        child = asyncio.create_task(needs_lock(lock))
        try:
            async with asyncio.timeout(0.3):
                await asyncio.shield(child)
        except TimeoutError:
            print("gave up waiting")
    print(await child)


asyncio.run(main())

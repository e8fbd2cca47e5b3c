# expect: none
# A re-entrancy probe: the holder asks for its own lock with a timeout and handles it.
import asyncio


async def main():
    lock = asyncio.Lock()
    async with lock:
        try:
            await asyncio.wait_for(lock.acquire(), 0.1)
            print("re-entered?")
        except asyncio.TimeoutError:
            print("not re-entrant, as expected")
    print("locked after:", lock.locked())


asyncio.run(main())

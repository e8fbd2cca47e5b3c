# expect: loop-blocked lines=13,14,20
# timeout: 8
# A threading.Lock is held across an await; a second task then blocks the loop thread
# acquiring it, so the holder can never resume to release it.
import asyncio
import threading

cache_lock = threading.Lock()
cache = {}


async def refresh():
    with cache_lock:  # taken here ...
        await asyncio.sleep(0.1)  # ... and held across an await
        cache["value"] = 1


async def read():
    await asyncio.sleep(0.05)
    with cache_lock:  # blocks the loop thread: refresh() can never resume
        return cache.get("value")


async def main():
    await asyncio.gather(refresh(), read())


asyncio.run(main())

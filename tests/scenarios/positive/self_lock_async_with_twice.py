# expect: self-deadlock lines=12,14
# A cache refresh takes the cache lock, then calls a method that takes it again.
import asyncio


class Cache:
    def __init__(self):
        self.lock = asyncio.Lock()
        self.data = {}

    async def refresh(self):
        async with self.lock:  # first acquire
            print("refreshing")
            async with self.lock:  # the same task asks again: waits forever
                self.data["k"] = 1


asyncio.run(Cache().refresh())

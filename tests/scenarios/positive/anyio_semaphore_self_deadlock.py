# expect: self-deadlock lines=11,15
# A handler takes the single permit of an anyio.Semaphore, then calls a helper that asks again.
import anyio


class Store:
    def __init__(self):
        self.gate = anyio.Semaphore(1)

    async def write(self, key):
        async with self.gate:  # takes the only permit
            await self.flush(key)

    async def flush(self, key):
        async with self.gate:  # the same task asks again
            print("flushed", key)


anyio.run(Store().write, "k")

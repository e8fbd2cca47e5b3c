# expect: wait-cycle lines=14,18,21
# timeout: 6
# A service keeps its lock and its "started" Event as attributes: start() holds the lock
# while it waits for started, which only the warm-up task sets, after taking the lock.
import asyncio


class Service:
    def __init__(self):
        self.lock = asyncio.Lock()
        self.started = asyncio.Event()

    async def warm_up(self):
        async with self.lock:  # waits for start()'s lock
            self.started.set()

    async def start(self):
        async with self.lock:  # taken here
            asyncio.create_task(self.warm_up())
            await asyncio.sleep(0)
            await self.started.wait()  # only warm_up would set it


async def main():
    service = Service()
    await service.start()


asyncio.run(main())

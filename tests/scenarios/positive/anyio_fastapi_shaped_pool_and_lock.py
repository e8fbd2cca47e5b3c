# expect: wait-cycle lines=27,29,33,36
# A FastAPI-shaped service: handlers run blocking work in anyio's thread pool, borrow a
# database connection from a pool (an anyio.CapacityLimiter) and update a cache under an
# anyio.Lock. One handler holds the cache lock and waits for a connection; the other holds
# the only connection and waits for the cache lock.
import time

import anyio
import anyio.to_thread


class Pool:
    def __init__(self, size):
        self.slots = anyio.CapacityLimiter(size)

    async def query(self, sql):
        return await anyio.to_thread.run_sync(time.sleep, 0.01)


class App:
    def __init__(self):
        self.pool = Pool(1)
        self.cache_lock = anyio.Lock()
        self.cache = {}

    async def get_user(self):
        async with self.cache_lock:  # cache first
            await anyio.sleep(0.1)
            async with self.pool.slots:  # then a connection: waits
                await self.pool.query("select user")

    async def update_user(self):
        async with self.pool.slots:  # a connection first
            await self.pool.query("update user")
            await anyio.sleep(0.1)
            async with self.cache_lock:  # then the cache: waits
                self.cache.clear()


async def main():
    app = App()
    async with anyio.create_task_group() as tg:
        tg.start_soon(app.get_user)
        tg.start_soon(app.update_user)


anyio.run(main)

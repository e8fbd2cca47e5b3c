# expect: none
# A RateLimiter class: acquire() takes the lock and a timer calls self._release later.
import asyncio


class RateLimiter:
    def __init__(self, period):
        self.period = period
        self._lock = asyncio.Lock()

    async def acquire(self):
        await self._lock.acquire()
        asyncio.get_running_loop().call_later(self.period, self._release)

    def _release(self):
        self._lock.release()


async def main():
    limiter = RateLimiter(0.05)
    for i in range(3):
        await limiter.acquire()
        print("call", i)


asyncio.run(main())

# expect: none
# Blocking work in a thread pool and to_thread while a lock is held.
import asyncio
import time


def blocking(n):
    time.sleep(0.3)
    return n * n


async def main():
    loop = asyncio.get_running_loop()
    lock = asyncio.Lock()
    async with lock:
        a = await loop.run_in_executor(None, blocking, 3)
    b = await asyncio.to_thread(blocking, 4)
    print(a, b)


asyncio.run(main())

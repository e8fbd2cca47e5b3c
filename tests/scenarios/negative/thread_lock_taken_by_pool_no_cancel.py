# expect: none
# A threading.Lock is taken in a pool thread on behalf of each task (to_thread(acquire))
# and released by the task; nobody is cancelled, so every task gets it in turn.
import asyncio
import threading

cache_lock = threading.Lock()


async def update(delay):
    await asyncio.to_thread(cache_lock.acquire)
    try:
        await asyncio.sleep(delay)
    finally:
        cache_lock.release()


async def main():
    first = asyncio.create_task(update(1.3), name="first")
    await asyncio.sleep(0.3)
    second = asyncio.create_task(update(0), name="second")
    await asyncio.gather(first, second)
    await update(0)
    print("all updated")


asyncio.run(main())

# expect: self-deadlock lines=9,10
# A worker thread runs its own event loop, and deadlocks in it; main's loop is fine.
import asyncio
import threading


async def worker_main():
    lock = asyncio.Lock()
    async with lock:
        async with lock:
            pass


def worker():
    asyncio.run(worker_main())


async def main():
    t = threading.Thread(target=worker)
    t.start()
    await asyncio.to_thread(t.join)


asyncio.run(main())

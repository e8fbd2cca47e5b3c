# expect: none
# A task ends holding a lock; a worker thread hands it back via call_soon_threadsafe.
import asyncio
import threading
import time


async def start_job(lock, loop):
    await lock.acquire()

    def job():
        time.sleep(1.2)
        loop.call_soon_threadsafe(lock.release)

    threading.Thread(target=job).start()


async def main():
    loop = asyncio.get_running_loop()
    lock = asyncio.Lock()
    await asyncio.create_task(start_job(lock, loop))
    async with lock:
        print("job finished, lock back")


asyncio.run(main())

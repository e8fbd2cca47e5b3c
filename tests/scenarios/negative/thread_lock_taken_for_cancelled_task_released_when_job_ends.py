# expect: none
# A task waiting (through a pool thread) for a threading.Lock is cancelled; it shields the
# job and, when cancelled, releases the lock as soon as the job has taken it, so the next
# task gets the lock.
import asyncio
import threading

cache_lock = threading.Lock()


async def update(delay):
    job = asyncio.ensure_future(asyncio.to_thread(cache_lock.acquire))
    try:
        await asyncio.shield(job)
    except asyncio.CancelledError:
        job.add_done_callback(lambda _: cache_lock.release())  # taken for nobody: give back
        raise
    try:
        await asyncio.sleep(delay)
    finally:
        cache_lock.release()


async def main():
    first = asyncio.create_task(update(1.0), name="first")
    await asyncio.sleep(0.3)
    second = asyncio.create_task(update(0), name="second")
    await asyncio.sleep(0.3)
    second.cancel()
    await first
    await asyncio.sleep(1.2)
    await update(0)
    print("all updated")


asyncio.run(main())

# expect: none
# A lock is acquired by one task and released from a done-callback, then taken again.
import asyncio


async def job(lock, log):
    await lock.acquire()
    log.append("job has the lock")
    await asyncio.sleep(0.01)


async def main():
    lock = asyncio.Lock()
    log = []
    task = asyncio.create_task(job(lock, log))
    task.add_done_callback(lambda _t: lock.release())
    await asyncio.sleep(0)
    async with lock:  # waits for the task; the callback releases for it
        log.append("main has the lock")
    async with lock:
        log.append("main again")
    print(log)


asyncio.run(main())

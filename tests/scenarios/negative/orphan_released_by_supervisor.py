# expect: none
# A worker dies holding a lock; a supervisor's done-callback frees it before the next user.
import asyncio


async def worker(lock):
    await lock.acquire()
    raise OSError("device lost")


def supervise(task, lock):
    if task.exception() is not None and lock.locked():
        print("supervisor frees the lock after:", task.exception())
        lock.release()


async def main():
    lock = asyncio.Lock()
    t = asyncio.create_task(worker(lock))
    t.add_done_callback(lambda task: supervise(task, lock))
    await asyncio.sleep(0.01)
    async with lock:
        print("next user got the lock")


asyncio.run(main())

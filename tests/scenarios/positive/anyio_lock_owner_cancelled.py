# expect: orphaned-lock lines=11,28
# The shape of anyio's "lock ownership passed to a cancelled task" bug (fixed in anyio 4:
# a waiter cancelled right after release() handed it the lock now gives it back). Here
# the waiter is cancelled just after it took the lock, before its release: the lock stays
# owned by a task that has ended, and the next user waits forever.
import anyio


async def refresh(lock, started):
    started.set()
    await lock.acquire()  # handed over by main's release()
    await anyio.sleep(10)  # cancelled here, holding the lock
    lock.release()


async def main():
    lock = anyio.Lock()
    started = anyio.Event()
    async with anyio.create_task_group() as tg:
        await lock.acquire()
        tg.start_soon(refresh, lock, started)
        await started.wait()
        await anyio.sleep(0.05)
        lock.release()  # ownership passes to refresh()
        await anyio.sleep(0.05)
        tg.cancel_scope.cancel()
    print("refresh cancelled")
    async with lock:  # waits for a cancelled task
        print("never")


anyio.run(main)

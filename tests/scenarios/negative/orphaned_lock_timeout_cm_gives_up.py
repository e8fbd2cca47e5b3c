# expect: none
# requires: 3.11
# potential: orphaned-lock lines=9
# Like the wait_for version, with asyncio.timeout(): the waiter gives up after 1.5 s.
import asyncio


async def worker(lock):
    await lock.acquire()
    return "forgot to release"


async def main():
    lock = asyncio.Lock()
    print(await asyncio.create_task(worker(lock)))
    try:
        async with asyncio.timeout(1.5):
            async with lock:
                print("got the lock")
    except TimeoutError:
        print("lock is stuck, giving up")


asyncio.run(main())

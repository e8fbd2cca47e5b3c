# expect: none
# requires: 3.11
# A TaskGroup child fails; siblings waiting on a held lock and an Event are cancelled.
import asyncio


async def failing():
    await asyncio.sleep(0.05)
    raise RuntimeError("boom")


async def waiter(lock):
    async with lock:
        pass


async def main():
    lock = asyncio.Lock()
    await lock.acquire()
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(failing())
            tg.create_task(waiter(lock))
            tg.create_task(asyncio.Event().wait())
    except* RuntimeError as eg:
        print("group failed:", eg.exceptions)
    lock.release()


asyncio.run(main())

# expect: wait-cycle lines=9,15,16
# timeout: 6
# A semaphore with no permits is a "done" signal: the waiter takes it while holding the
# lock that the signalling task needs before it can release the signal.
import asyncio


async def signaller(lock, done):
    async with lock:  # waits for the waiter's lock
        done.release()


async def waiter(lock, done):
    asyncio.create_task(signaller(lock, done))
    async with lock:  # taken here
        await done.acquire()  # only the signaller would release it


async def main():
    await waiter(asyncio.Lock(), asyncio.Semaphore(0))


asyncio.run(main())

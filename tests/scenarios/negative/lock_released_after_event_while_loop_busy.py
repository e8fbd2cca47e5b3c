# expect: none
# A task ends holding a lock; a releaser task waits for an Event that a busy heartbeat sets
# after 1.5 s, then releases the lock for the waiting main task.
import asyncio


async def opener(lock):
    await lock.acquire()


async def releaser(lock, go):
    await go.wait()
    lock.release()


async def heartbeat(go):
    for _ in range(15):
        await asyncio.sleep(0.1)
    go.set()


async def main():
    lock, go = asyncio.Lock(), asyncio.Event()
    await asyncio.create_task(opener(lock))
    asyncio.create_task(releaser(lock, go))
    asyncio.create_task(heartbeat(go))
    async with lock:
        print("got it")


asyncio.run(main())

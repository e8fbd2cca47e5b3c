# expect: none
# A worker waits on an Event; its setter waits on a Queue that a busy producer fills
# only after 1.5 s. Nothing is stuck, though part of the program waits past the grace.
import asyncio


async def worker(ready):
    await ready.wait()
    return "worker ran"


async def setter(q, ready):
    await q.get()
    ready.set()


async def producer(q):
    for _ in range(15):
        await asyncio.sleep(0.1)
    await q.put("go")


async def main():
    q, ready = asyncio.Queue(), asyncio.Event()
    asyncio.create_task(setter(q, ready))
    asyncio.create_task(producer(q))
    print(await worker(ready))


asyncio.run(main())

# expect: stall lines=11
# timeout: 6
# Items are queued and join() is awaited, but no consumer was ever started.
import asyncio


async def main():
    q = asyncio.Queue()
    for i in range(5):
        q.put_nowait(i)
    await q.join()
    print("all done")


asyncio.run(main())

# expect: none
# args: --long-wait 0.5
# potential: long-wait lines=12
# A consumer waits 1.2 s for a slow producer: a long wait (noted when asked for), no deadlock.
import asyncio


async def consumer(queue):
    item = None
    while item is None:
        try:
            item = await queue.get()  # waits 1.2 s
        except asyncio.CancelledError:
            raise
    print("got", item)


async def main():
    queue = asyncio.Queue()
    task = asyncio.create_task(consumer(queue))
    await asyncio.sleep(1.2)
    await queue.put("job")
    await task


asyncio.run(main())

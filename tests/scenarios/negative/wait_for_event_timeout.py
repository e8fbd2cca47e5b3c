# expect: none
# asyncio.wait_for with a timeout on an Event nobody sets, a Queue nobody fills, a Future.
import asyncio


async def main():
    for what in (asyncio.Event().wait(), asyncio.Queue().get()):
        try:
            await asyncio.wait_for(what, 0.2)
        except asyncio.TimeoutError:
            print("timed out")
    fut = asyncio.get_running_loop().create_future()
    done, pending = await asyncio.wait([fut], timeout=0.2)
    print(len(done), len(pending))


asyncio.run(main())

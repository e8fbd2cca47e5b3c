# expect: none
# A thread resolves a loop future through call_soon_threadsafe after 1.5 s.
import asyncio
import threading
import time


def background(loop, fut):
    time.sleep(1.5)
    loop.call_soon_threadsafe(fut.set_result, "from thread")


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    threading.Thread(target=background, args=(loop, fut)).start()
    print(await fut)


asyncio.run(main())

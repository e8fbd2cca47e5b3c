# expect: stall lines=21
# A worker thread resolves a future with loop.call_soon (not thread-safe) and ends: the
# callback sits in the ready queue of a loop asleep in select(), which nothing wakes.
# Plain python hangs. The fix: loop.call_soon_threadsafe(fut.set_result, 42).
import asyncio
import threading
import time


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()

    def worker():
        time.sleep(0.3)  # the loop is asleep by now
        loop.call_soon(fut.set_result, 42)  # the wrong call: the loop is not woken

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        print(await fut)  # never resumed
    finally:
        thread.join()

asyncio.run(main())

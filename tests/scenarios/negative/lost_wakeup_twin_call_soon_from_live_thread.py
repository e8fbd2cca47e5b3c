# expect: none
# A worker thread calls loop.call_soon (not thread-safe) and then, later, wakes the loop
# the right way. While the thread lives it may still wake the loop: no verdict. Completes.
import asyncio
import threading
import time


async def main():
    loop = asyncio.get_running_loop()
    done = asyncio.Event()

    def worker():
        loop.call_soon(done.set)  # the wrong call: does not wake the loop
        time.sleep(1.5)
        loop.call_soon_threadsafe(lambda: None)  # wakes it: done.set runs then

    thread = threading.Thread(target=worker)
    thread.start()
    await done.wait()
    print("done")
    thread.join()

asyncio.run(main())

# expect: none
# timeout: 10
# A worker thread (not a daemon) finishes a slow job after asyncio.run() returned: exit
# waits for it, and it ends.
import asyncio
import threading
import time


def slow_flush():
    time.sleep(1.5)
    print("flushed")


async def main():
    threading.Thread(target=slow_flush).start()
    await asyncio.sleep(0.01)
    print("main done")


asyncio.run(main())

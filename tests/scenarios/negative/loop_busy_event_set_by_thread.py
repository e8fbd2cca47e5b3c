# expect: none
# The loop's thread waits on a threading.Event that a worker sets after 1.5 s; a loop timer
# also refers to the Event (a fallback that never fires). Blocked for a while, no deadlock.
import asyncio
import threading
import time


def worker(done):
    time.sleep(1.5)
    done.set()


async def main():
    done = threading.Event()
    fallback = asyncio.get_running_loop().call_later(60, done.set)
    threading.Thread(target=worker, args=(done,)).start()
    done.wait()  # blocks the loop until the worker sets it
    fallback.cancel()
    print("set")


asyncio.run(main())

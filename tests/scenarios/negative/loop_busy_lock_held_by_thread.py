# expect: none
# The loop's thread waits 1.5 s for a threading.Lock that a worker thread holds while it
# sleeps: the loop is blocked for a while, but the worker releases the lock.
import asyncio
import threading
import time

lock = threading.Lock()


def worker(started):
    with lock:
        started.set()
        time.sleep(1.5)


async def main():
    started = threading.Event()
    t = threading.Thread(target=worker, args=(started,))
    t.start()
    started.wait()
    with lock:  # blocks the loop for 1.5 s, then gets the lock
        print("got the lock")
    t.join()


asyncio.run(main())

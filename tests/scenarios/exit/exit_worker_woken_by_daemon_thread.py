# expect: none
# timeout: 10
# A worker waits on a queue with no timeout; a daemon thread, still running when
# interpreter exit waits for the worker, puts the sentinel: it ends.
import asyncio
import queue
import threading
import time

jobs = queue.Queue()


def worker():
    while jobs.get() is not None:
        pass
    print("worker stopped")


def stopper():
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:  # busy, not in a known wait
        time.sleep(0.001)
    jobs.put(None)


async def main():
    threading.Thread(target=worker).start()
    threading.Thread(target=stopper, daemon=True).start()
    await asyncio.sleep(0.01)
    print("main done")


asyncio.run(main())

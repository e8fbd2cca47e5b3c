# expect: none
# timeout: 10
# A worker waits on a queue with no timeout; a SIGALRM handler (run by the main thread
# while interpreter exit waits for the worker) puts the sentinel: it ends.
import asyncio
import queue
import signal
import threading

jobs = queue.Queue()


def worker():
    while jobs.get() is not None:
        pass
    print("worker stopped")


async def main():
    threading.Thread(target=worker).start()
    signal.signal(signal.SIGALRM, lambda *_: jobs.put(None))
    signal.alarm(2)
    await asyncio.sleep(0.01)
    print("main done")


asyncio.run(main())

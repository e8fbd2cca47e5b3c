# expect: stall lines=15
# timeout: 8
# A worker thread (not a daemon) waits for jobs on a queue.Queue; the async code was to put
# a sentinel at shutdown but returns without it. asyncio.run() returns, and the interpreter
# then waits at exit for the worker, which waits forever.
import asyncio
import queue
import threading

jobs = queue.Queue()


def worker():
    while True:
        item = jobs.get()  # blocks forever once the jobs stop
        if item is None:
            return
        print("job", item)


async def main():
    threading.Thread(target=worker, name="job-worker").start()
    for i in range(3):
        jobs.put(i)
        await asyncio.sleep(0.01)
    print("main done")  # forgot jobs.put(None)


asyncio.run(main())

# expect: none
# timeout: 10
# A worker waits for jobs with a timeout and gives up: exit waits for it, and it ends.
import asyncio
import queue
import threading

jobs = queue.Queue()


def worker():
    try:
        while True:
            print("job", jobs.get(timeout=1.5))
    except queue.Empty:
        print("worker idle, quitting")


async def main():
    threading.Thread(target=worker).start()
    jobs.put(1)
    await asyncio.sleep(0.01)


asyncio.run(main())

# expect: none
# A thread completes a future it reaches only through its own state; a task also awaits
# the future (wrapped). The loop is blocked waiting for it for 1.5 s, then goes on.
import asyncio
import concurrent.futures
import threading
import time


class State:
    def __init__(self):
        self.pending = {"job": concurrent.futures.Future()}


class Worker:
    def __init__(self):
        self.state = State()

    def run(self):
        time.sleep(1.5)
        self.state.pending["job"].set_result(42)


async def report(fut):
    print("awaited:", await asyncio.wrap_future(fut))


async def main():
    worker = Worker()
    fut = worker.state.pending["job"]
    reporter = asyncio.create_task(report(fut))
    await asyncio.sleep(0.01)
    thread = threading.Thread(target=worker.run)
    thread.start()
    print("result:", fut.result())  # blocks the loop until the thread sets it
    await reporter
    thread.join()


asyncio.run(main())

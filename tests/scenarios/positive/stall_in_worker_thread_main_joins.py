# expect: stall lines=11
# args: --grace 0.3
# The event loop runs in a worker thread; its only task waits for an Event that nothing
# will set, and the main thread only waits in join() for the worker to end (it can never
# wake the loop).
import asyncio
import threading


async def main():
    await asyncio.Event().wait()


worker = threading.Thread(target=asyncio.run, args=(main(),))
worker.start()
worker.join()

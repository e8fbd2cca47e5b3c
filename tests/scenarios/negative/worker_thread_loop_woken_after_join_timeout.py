# expect: none
# args: --grace 0.3
# The event loop runs in a worker thread and waits for an Event; the main thread waits in
# join() with a timeout, then sets the Event through call_soon_threadsafe. A join with a
# timeout ends, so the main thread can still wake the loop: not a stall.
import asyncio
import threading

shared = {}


async def main():
    shared["loop"] = asyncio.get_running_loop()
    shared["event"] = event = asyncio.Event()
    await event.wait()
    print("woken")


worker = threading.Thread(target=asyncio.run, args=(main(),))
worker.start()
worker.join(1.0)
shared["loop"].call_soon_threadsafe(shared["event"].set)
worker.join()
print("done")

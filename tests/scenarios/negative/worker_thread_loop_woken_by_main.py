# expect: none
# An event loop in a worker thread waits on a future; the main thread resolves it 1.2 s later.
import asyncio
import threading
import time

box = {}
started = threading.Event()


async def worker_main():
    box["loop"] = asyncio.get_running_loop()
    box["fut"] = box["loop"].create_future()
    started.set()
    print("worker got", await box["fut"])


t = threading.Thread(target=lambda: asyncio.run(worker_main()))
t.start()
started.wait()
time.sleep(1.2)
box["loop"].call_soon_threadsafe(box["fut"].set_result, "hello")
t.join()

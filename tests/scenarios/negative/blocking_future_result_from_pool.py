# expect: none
# The loop thread calls .result() on a thread-pool future that finishes after 1.5 s.
import asyncio
import concurrent.futures
import queue
import threading
import time


async def main():
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        fut = pool.submit(lambda: (time.sleep(1.5), "pool result")[1])
        print(fut.result())
    q = queue.Queue()
    threading.Timer(1.2, q.put, args=("queued",)).start()
    print(q.get())
    ev = threading.Event()
    threading.Timer(1.2, ev.set).start()
    print(ev.wait())


asyncio.run(main())

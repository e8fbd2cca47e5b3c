# expect: none
# A plain thread works for 1.3 s, then sets an anyio.Event through from_thread.run_sync.
import threading
import time

import anyio
import anyio.from_thread
import anyio.lowlevel


def work(ready, token):
    time.sleep(1.3)
    anyio.from_thread.run_sync(ready.set, token=token)


async def main():
    ready = anyio.Event()
    lock = anyio.Lock()
    thread = threading.Thread(target=work, args=(ready, anyio.lowlevel.current_token()))
    thread.start()
    async with lock:
        await ready.wait()
    thread.join()
    print("ready")


anyio.run(main)

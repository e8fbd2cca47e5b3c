# expect: loop-blocked lines=17,19,26
# timeout: 8
# A worker thread takes a threading.Lock, then waits for a coroutine on the loop; the loop's
# thread meanwhile blocks on the same lock: each waits for the other.
import asyncio
import threading
import time

registry_lock = threading.Lock()


async def lookup(name):
    return name.upper()


def register(loop, name):
    with registry_lock:  # held while waiting for the loop
        time.sleep(0.2)
        return asyncio.run_coroutine_threadsafe(lookup(name), loop).result()


async def main():
    loop = asyncio.get_running_loop()
    threading.Thread(target=register, args=(loop, "a"), daemon=True).start()
    await asyncio.sleep(0.1)
    with registry_lock:  # blocks the loop's thread; the worker waits for the loop
        print("unreachable")


asyncio.run(main())

# expect: stall lines=17
# args: --grace 0.2
# While a worker thread runs, the loop's only task waiting on an Event is not a stall (the
# thread could set it). The thread ends without touching the loop; nothing wakes the
# sleeping loop to say so, yet the stall must be reported.
import asyncio
import threading
import time


def worker():
    time.sleep(0.5)


async def main():
    threading.Thread(target=worker).start()
    await asyncio.Event().wait()


asyncio.run(main())

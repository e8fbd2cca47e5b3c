# expect: none
# The program lists its threads while its loop is blocked for 1.2 s: the watchdog's own
# thread must not show (the output equals plain python's).
import asyncio
import threading
import time


async def main():
    time.sleep(1.2)
    print(threading.active_count(), [t.name for t in threading.enumerate()])


asyncio.run(main())

# expect: none
# A daemon thread sets an Event through call_soon_threadsafe after 1.5 s.
import asyncio
import threading
import time


async def main():
    loop = asyncio.get_running_loop()
    ready = asyncio.Event()

    def later():
        time.sleep(1.5)
        loop.call_soon_threadsafe(ready.set)

    threading.Thread(target=later, daemon=True).start()
    await ready.wait()
    print("ready")


asyncio.run(main())

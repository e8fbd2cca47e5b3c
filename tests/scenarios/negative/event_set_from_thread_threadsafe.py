# expect: none
# A daemon thread sets an Event through run_coroutine_threadsafe-free call_soon_threadsafe.
import asyncio
import threading
import time


async def main():
    loop = asyncio.get_running_loop()
    ready = asyncio.Event()

    def later():
        time.sleep(0.5)
        loop.call_soon_threadsafe(ready.set)

    threading.Thread(target=later, daemon=True).start()
    await ready.wait()
    print("ready")


asyncio.run(main())

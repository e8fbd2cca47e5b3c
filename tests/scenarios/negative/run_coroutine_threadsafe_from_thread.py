# expect: none
# Another thread submits a coroutine to the loop; the main task waits for its result.
import asyncio
import threading
import time


async def compute(x):
    await asyncio.sleep(0.01)
    return x * 10


async def main():
    loop = asyncio.get_running_loop()
    result = loop.create_future()

    def client():
        time.sleep(1.2)
        value = asyncio.run_coroutine_threadsafe(compute(4), loop).result(timeout=5)
        loop.call_soon_threadsafe(result.set_result, value)

    t = threading.Thread(target=client)
    t.start()
    print(await result)
    t.join()


asyncio.run(main())

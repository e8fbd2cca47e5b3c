# expect: none
# A plain thread feeds an asyncio.Queue through call_soon_threadsafe, slowly.
import asyncio
import threading
import time


async def main():
    loop = asyncio.get_running_loop()
    q = asyncio.Queue()

    def feeder():
        for i in range(3):
            time.sleep(0.5)
            loop.call_soon_threadsafe(q.put_nowait, i)

    threading.Thread(target=feeder).start()
    print([await q.get() for _ in range(3)])


asyncio.run(main())

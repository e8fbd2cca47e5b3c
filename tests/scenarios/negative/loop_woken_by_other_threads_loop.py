# expect: none
# Two threads with their own loops: B's loop sets an Event on A's loop after 1.2 s.
import asyncio
import threading

box = {}
ready = threading.Event()


async def a_main():
    box["loop"] = asyncio.get_running_loop()
    box["event"] = asyncio.Event()
    ready.set()
    await box["event"].wait()
    print("A woken by B")


async def b_main():
    await asyncio.sleep(1.2)
    box["loop"].call_soon_threadsafe(box["event"].set)


a = threading.Thread(target=lambda: asyncio.run(a_main()))
a.start()
ready.wait()
b = threading.Thread(target=lambda: asyncio.run(b_main()))
b.start()
a.join()
b.join()

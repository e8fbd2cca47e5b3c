# expect: loop-blocked lines=21
# Two event loops in two threads; each loop's thread blocks on a future of the other.
import asyncio
import threading

ready = threading.Barrier(2)
both_busy = threading.Barrier(2)
loops = {}


async def ask(name):
    await asyncio.sleep(0)
    return name


async def serve(me, other):
    loops[me] = asyncio.get_running_loop()
    await asyncio.to_thread(ready.wait)
    both_busy.wait()  # both loops' threads are in this step now: neither runs ask() yet
    fut = asyncio.run_coroutine_threadsafe(ask(me), loops[other])
    return fut.result()  # blocks this loop's thread until the other loop runs ask()


def side():
    asyncio.run(serve("b", "a"))


t = threading.Thread(target=side, name="loop-b")
t.start()
print(asyncio.run(serve("a", "b")))
t.join()

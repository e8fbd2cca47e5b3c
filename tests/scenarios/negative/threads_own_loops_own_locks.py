# expect: none
# Four threads each run their own event loop with their own contended locks.
import asyncio
import threading

results = {}


async def work(name):
    lock = asyncio.Lock()
    sem = asyncio.Semaphore(2)
    total = 0

    async def one(i):
        nonlocal total
        async with sem:
            async with lock:
                await asyncio.sleep(0.001)
                total += i

    await asyncio.gather(*(one(i) for i in range(50)))
    return total


def thread_main(name):
    results[name] = asyncio.run(work(name))


threads = [threading.Thread(target=thread_main, args=(f"t{i}",)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(results.items()))

# expect: none
# Producer, three workers and a join(): the normal Queue pipeline.
import asyncio


async def worker(q, out, lock):
    while True:
        item = await q.get()
        async with lock:
            out.append(item * 2)
        q.task_done()


async def main():
    q = asyncio.Queue(maxsize=3)
    out, lock = [], asyncio.Lock()
    workers = [asyncio.create_task(worker(q, out, lock)) for _ in range(3)]
    for i in range(30):
        await q.put(i)
    await q.join()
    for w in workers:
        w.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    print(sum(out))


asyncio.run(main())

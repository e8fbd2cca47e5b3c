# expect: none
# Jobs that take a second unit of a pool while holding one, from pools big enough for
# one of them to finish and give its units back: a Queue of connections and a semaphore.
import asyncio


async def queue_job(pool, out):
    conn = await pool.get()
    await asyncio.sleep(0.01)
    extra = await pool.get()  # the third connection, or one given back
    out.append(sorted([conn, extra]) != [])
    pool.put_nowait(extra)
    pool.put_nowait(conn)


async def semaphore_job(limit, out):
    async with limit:
        await asyncio.sleep(0.01)
        async with limit:
            out.append(True)


async def main():
    pool = asyncio.Queue()
    for i in range(3):
        pool.put_nowait(f"conn{i}")
    limit = asyncio.Semaphore(3)
    out = []
    await asyncio.gather(*(queue_job(pool, out) for _ in range(2)))
    await asyncio.gather(*(semaphore_job(limit, out) for _ in range(2)))
    print(len(out), pool.qsize(), limit.locked())


asyncio.run(main())

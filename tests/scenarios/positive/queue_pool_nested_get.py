# expect: wait-cycle lines=9,11
# timeout: 6
# Connections are kept in a Queue used as a pool of two; each job takes one and, inside,
# a helper takes a second one. Both jobs hold one connection and wait for the other.
import asyncio


async def job(pool, name):
    conn = await pool.get()  # takes one connection
    await asyncio.sleep(0.01)
    extra = await pool.get()  # nested: needs a second one, both are taken
    print(name, conn, extra)
    pool.put_nowait(extra)
    pool.put_nowait(conn)


async def main():
    pool = asyncio.Queue()
    for i in range(2):
        pool.put_nowait(f"conn{i}")
    await job(pool, "warm-up")  # one job alone gets both connections
    await asyncio.gather(job(pool, "a"), job(pool, "b"))


asyncio.run(main())

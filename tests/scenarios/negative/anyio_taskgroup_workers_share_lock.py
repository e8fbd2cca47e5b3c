# expect: none
# Workers in an anyio task group update a shared total under one anyio.Lock, then drain.
import anyio


async def add(lock, totals, n):
    for _ in range(20):
        async with lock:
            value = totals["sum"]
            await anyio.sleep(0)
            totals["sum"] = value + n


async def main():
    lock = anyio.Lock()
    totals = {"sum": 0}
    async with anyio.create_task_group() as tg:
        for n in range(1, 6):
            tg.start_soon(add, lock, totals, n)
    print("sum", totals["sum"])


anyio.run(main)

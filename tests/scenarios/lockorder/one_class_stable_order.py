# expect: none
# Locks of one creation site (a list of row locks) always taken in index order: the
# instances keep a stable order, which is not an inversion.
import asyncio


async def update_range(rows, start, stop):
    for i in range(start, stop - 1):
        async with rows[i]:
            async with rows[i + 1]:
                await asyncio.sleep(0)


async def main():
    rows = [asyncio.Lock() for _ in range(6)]
    await asyncio.gather(update_range(rows, 0, 6), update_range(rows, 2, 5))
    print("rows updated")


asyncio.run(main())

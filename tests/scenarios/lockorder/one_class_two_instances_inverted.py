# expect: none
# potential: lock-order lines=9,10
# Two locks from the same creation site taken in both orders: an inversion between the
# two instances (the per-class view alone could not tell it from a stable order).
import asyncio


async def swap(first, second, log):
    async with first:
        async with second:
            log.append((id(first), id(second)))


async def main():
    rows = [asyncio.Lock() for _ in range(2)]
    log = []
    await swap(rows[0], rows[1], log)
    await swap(rows[1], rows[0], log)
    print(len(log), "swaps")


asyncio.run(main())

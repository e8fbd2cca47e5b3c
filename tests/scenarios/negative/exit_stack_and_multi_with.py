# expect: none
# Locks entered through AsyncExitStack and `async with a, b:`, always in one order.
import asyncio
import contextlib


async def user(locks, n, out):
    async with contextlib.AsyncExitStack() as stack:
        for lock in locks:
            await stack.enter_async_context(lock)
        await asyncio.sleep(0.001)
        out.append(n)
    async with locks[0], locks[1]:
        out.append(-n)


async def main():
    locks = [asyncio.Lock(), asyncio.Lock(), asyncio.Lock()]
    out = []
    await asyncio.gather(*(user(locks, n, out) for n in range(1, 11)))
    print(len(out), sum(out))


asyncio.run(main())

# expect: wait-cycle lines=10,15
# Two workers take two locks in opposite orders inside `async with` blocks. Their parent
# still has both locks in local variables and waits with a timeout, so it is not stuck
# itself; it cannot end the cycle though: a lock held by an `async with` block is released
# only by that block.
import asyncio


async def worker(first, second, ready, both):
    async with first:
        ready.append(1)
        if len(ready) == 2:
            both.set()
        await both.wait()
        async with second:
            print("never")


async def main():
    a, b = asyncio.Lock(), asyncio.Lock()
    ready, both = [], asyncio.Event()
    pair = asyncio.gather(worker(a, b, ready, both), worker(b, a, ready, both))
    await asyncio.wait_for(pair, timeout=30)


asyncio.run(main())

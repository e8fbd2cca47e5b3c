# expect: none
# potential: lock-order lines=15,16
# Locks kept in a dict, one per key, all made on one line. Each transfer first takes its
# journal key's lock, then two account locks in the order the caller gives: a and b are
# taken in both orders, each time under a *different* journal lock (x, then y). Those are
# two instances of the gate's class, not a common gate: run concurrently, the transfers
# can deadlock.
import asyncio

locks = {key: asyncio.Lock() for key in ("x", "y", "a", "b")}


async def transfer(journal, source, target):
    async with locks[journal]:
        async with locks[source]:
            async with locks[target]:
                await asyncio.sleep(0)


async def main():
    await transfer("x", "a", "b")
    await transfer("y", "b", "a")  # the other order, later: no hang on this run
    print("done")


asyncio.run(main())

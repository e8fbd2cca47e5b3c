# expect: none
# potential: lock-order lines=12,13,17,18,22,23
# Three code paths, each taking two of three locks: A then B, B then C, C then A.
# They run one after another here, so nothing hangs, but together they form a cycle.
import asyncio

accounts, ledger, audit = asyncio.Lock(), asyncio.Lock(), asyncio.Lock()
order = []


async def post():
    async with accounts:
        async with ledger:
            order.append("post")

async def reconcile():
    async with ledger:
        async with audit:
            order.append("reconcile")

async def review():
    async with audit:
        async with accounts:
            order.append("review")


async def main():
    await post()
    await reconcile()
    await review()
    print(" ".join(order))


asyncio.run(main())

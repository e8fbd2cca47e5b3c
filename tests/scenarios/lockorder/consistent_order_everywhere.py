# expect: none
# Many tasks and helpers, always `inventory` before `orders`: no inversion.
import asyncio


async def reserve(inventory, orders, n):
    async with inventory:
        await place(orders, n)


async def place(orders, n):
    async with orders:
        await asyncio.sleep(0)
        return n


async def cancel(inventory, orders):
    async with inventory:
        async with orders:
            await asyncio.sleep(0)


async def main():
    inventory, orders = asyncio.Lock(), asyncio.Lock()
    await asyncio.gather(*(reserve(inventory, orders, n) for n in range(20)),
                         *(cancel(inventory, orders) for _ in range(20)))
    print("consistent")


asyncio.run(main())

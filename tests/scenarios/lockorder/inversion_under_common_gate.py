# expect: none
# Opposite orders of `a` and `b`, but always inside `gate`: they can never interleave.
import asyncio


async def forward(gate, a, b):
    async with gate:
        async with a:
            async with b:
                await asyncio.sleep(0)


async def backward(gate, a, b):
    async with gate:
        async with b:
            async with a:
                await asyncio.sleep(0)


async def main():
    gate, a, b = asyncio.Lock(), asyncio.Lock(), asyncio.Lock()
    await asyncio.gather(*(forward(gate, a, b) for _ in range(5)),
                         *(backward(gate, a, b) for _ in range(5)))
    print("gated")


asyncio.run(main())

# expect: none
# The twin: the same per-key locks taken in both orders, but always under the same
# journal lock ("x"): one common instance gates both paths, so they never interleave.
import asyncio

locks = {key: asyncio.Lock() for key in ("x", "a", "b")}


async def transfer(journal, source, target):
    async with locks[journal]:
        async with locks[source]:
            async with locks[target]:
                await asyncio.sleep(0)


async def main():
    await asyncio.gather(transfer("x", "a", "b"), transfer("x", "b", "a"))
    print("done")


asyncio.run(main())

# expect: none
# aiodeadlock.ordered() takes the locks in one global order whatever order they are named
# in, so transfers in both directions never invert (the tutorial's lock-ordering fix).
import asyncio

import aiodeadlock


async def transfer(src, dst, log):
    async with aiodeadlock.ordered(src, dst):
        await asyncio.sleep(0)
        log.append(1)


async def main():
    a, b = asyncio.Lock(), asyncio.Lock()
    log = []
    await asyncio.gather(*(transfer(a, b, log) for _ in range(10)),
                         *(transfer(b, a, log) for _ in range(10)))
    print(len(log), "transfers")


asyncio.run(main())

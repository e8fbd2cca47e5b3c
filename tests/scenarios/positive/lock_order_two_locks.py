# expect: wait-cycle lines=14,16
# timeout: 6
# Two transfers take the account locks in opposite orders; both park.
import asyncio


class Account:
    def __init__(self, name):
        self.name = name
        self.lock = asyncio.Lock()


async def transfer(src, dst):
    async with src.lock:
        await asyncio.sleep(0.2)
        async with dst.lock:
            print("moved", src.name, "->", dst.name)


async def main():
    a, b = Account("a"), Account("b")
    await asyncio.gather(transfer(a, b), transfer(b, a))


asyncio.run(main())

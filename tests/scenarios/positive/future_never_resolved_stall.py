# expect: stall lines=12
# timeout: 6
# A request future is registered but the response handler is never called.
import asyncio

pending = {}


async def request(rid):
    fut = asyncio.get_running_loop().create_future()
    pending[rid] = fut
    return await fut


async def main():
    print(await request(1))


asyncio.run(main())

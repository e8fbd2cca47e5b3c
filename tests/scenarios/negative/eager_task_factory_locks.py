# expect: none
# requires: 3.12
# Eager tasks take a lock synchronously inside create_task.
import asyncio


async def user(lock, out, n):
    async with lock:
        out.append(n)
        await asyncio.sleep(0.001)


async def main():
    asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)
    lock, out = asyncio.Lock(), []
    await asyncio.gather(*(asyncio.create_task(user(lock, out, n)) for n in range(20)))
    print(out)


asyncio.run(main())

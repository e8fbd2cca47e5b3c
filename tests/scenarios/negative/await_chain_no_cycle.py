# expect: none
# A chain of tasks each awaiting the next (no cycle); the last one waits on a lock.
import asyncio


async def link(tasks, i, lock):
    if i + 1 < len(tasks):
        return await tasks[i + 1] + 1
    async with lock:
        return 0


async def main():
    lock = asyncio.Lock()
    await lock.acquire()
    tasks = []
    for i in range(5):
        tasks.append(None)
    for i in range(5):
        tasks[i] = asyncio.create_task(link(tasks, i, lock))
    asyncio.get_running_loop().call_later(0.2, lock.release)
    print(await tasks[0])


asyncio.run(main())

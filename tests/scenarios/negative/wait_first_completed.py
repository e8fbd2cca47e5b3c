# expect: none
# asyncio.wait(FIRST_COMPLETED) and as_completed over tasks sharing a lock.
import asyncio


async def job(lock, delay, name):
    async with lock:
        await asyncio.sleep(delay)
    return name


async def main():
    lock = asyncio.Lock()
    tasks = [asyncio.create_task(job(lock, d, f"j{d}")) for d in (0.05, 0.1, 0.15)]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    print(len(done), len(pending))
    for fut in asyncio.as_completed(pending):
        print(await fut)


asyncio.run(main())

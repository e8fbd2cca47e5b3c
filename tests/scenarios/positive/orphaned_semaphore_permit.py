# expect: orphaned-lock lines=7,17
# A Semaphore(1) permit is taken by a task that dies; the next user waits forever.
import asyncio


async def job(sem, n):
    await sem.acquire()
    if n == 0:
        raise RuntimeError("job failed")
    sem.release()


async def main():
    sem = asyncio.Semaphore(1)
    results = await asyncio.gather(job(sem, 0), return_exceptions=True)
    print(results)
    async with sem:
        print("never")


asyncio.run(main())

# expect: none
# The tutorial's orphaned-lock program fixed with try/finally around acquire()/release().
import asyncio


async def task(lock):
    await lock.acquire()
    try:
        raise Exception("Something bad happened")
    finally:
        lock.release()


async def main():
    lock = asyncio.Lock()
    results = await asyncio.gather(task(lock), return_exceptions=True)
    print(results)
    await lock.acquire()
    print("Main has the lock")
    lock.release()


asyncio.run(main())

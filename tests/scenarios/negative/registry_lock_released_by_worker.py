# expect: none
# Locks live in a dict; a worker task finds the lock by key 1.2 s later and releases it.
import asyncio

LOCKS = {}


async def claim(key):
    LOCKS.setdefault(key, asyncio.Lock())
    await LOCKS[key].acquire()


async def expire(key, delay):
    await asyncio.sleep(delay)
    LOCKS[key].release()


async def main():
    await asyncio.create_task(claim("job-1"))
    asyncio.create_task(expire("job-1", 1.2))
    await claim("job-1")
    print("claimed again")


asyncio.run(main())

# expect: self-deadlock lines=8,11
# A BoundedSemaphore(2): the task holds both permits and asks for a third.
import asyncio


async def main():
    pool = asyncio.BoundedSemaphore(2)
    await pool.acquire()
    await pool.acquire()
    print("holding both permits")
    await pool.acquire()  # nobody else can ever release one


asyncio.run(main())

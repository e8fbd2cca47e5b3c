# expect: none
# The tutorial's lock-order program fixed: both tasks take the locks in the same order.
import asyncio


async def task(number, lock1, lock2):
    print(f"Task {number} acquiring lock 1...")
    async with lock1:
        await asyncio.sleep(0.2)
        print(f"Task {number} acquiring lock 2...")
        async with lock2:
            print(f"Task {number} has both")


async def main():
    lock1 = asyncio.Lock()
    lock2 = asyncio.Lock()
    await asyncio.gather(task(1, lock1, lock2), task(2, lock1, lock2))


asyncio.run(main())

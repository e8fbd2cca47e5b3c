# expect: none
# potential: lock-order lines=10,13
# The tutorial's lock-order program with a timeout: task 1 backs off, task 2 goes first.
# The inversion is still there (a lock-order hazard may be reported); the timeout saves it.
import asyncio


async def task(number, lock1, lock2, patience):
    while True:
        async with lock1:
            await asyncio.sleep(0.1)
            try:
                await asyncio.wait_for(lock2.acquire(), patience)
            except asyncio.TimeoutError:
                print(f"Task {number} backs off")
            else:
                print(f"Task {number} has both")
                lock2.release()
                return
        await asyncio.sleep(0.3)


async def main():
    lock1 = asyncio.Lock()
    lock2 = asyncio.Lock()
    await asyncio.gather(task(1, lock1, lock2, 0.1), task(2, lock2, lock1, 1.0))


asyncio.run(main())

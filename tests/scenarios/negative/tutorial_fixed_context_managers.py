# expect: none
# The tutorial's orphaned-lock program fixed: `async with` releases even when the task raises.
import asyncio


async def task(lock):
    print("Task acquiring lock...")
    async with lock:
        raise Exception("Something bad happened")


async def main():
    lock = asyncio.Lock()
    t = asyncio.create_task(task(lock))
    await asyncio.sleep(0.1)
    print("Main acquiring lock...")
    async with lock:
        print("Main has the lock")
    try:
        await t
    except Exception as exc:
        print("task failed:", exc)


asyncio.run(main())

# expect: wait-cycle lines=16,18,11
# timeout: 5
# Task A holds lock L and awaits task B; task B waits for L.
import asyncio

lock = asyncio.Lock()


async def refresh():
    await asyncio.sleep(0.05)
    async with lock:  # waits for the task that awaits us
        return 1


async def handler():
    async with lock:
        job = asyncio.create_task(refresh(), name="refresh")
        return await job


asyncio.run(handler())

# expect: none
# The pre-asyncio.run style: new_event_loop, run_until_complete, close.
import asyncio


async def main():
    lock = asyncio.Lock()
    sem = asyncio.Semaphore(1)

    async def user(n):
        async with sem:
            async with lock:
                await asyncio.sleep(0.001)
                return n

    return sum(await asyncio.gather(*(user(n) for n in range(10))))


loop = asyncio.new_event_loop()
try:
    print(loop.run_until_complete(main()))
finally:
    loop.close()

# expect: loop-blocked lines=21
# timeout: 8
# A coroutine schedules two coroutines on its own loop with run_coroutine_threadsafe() and
# collects them with concurrent.futures.as_completed() on the loop's thread: every one of
# them needs that loop, which is blocked in the loop over their results.
import asyncio
import concurrent.futures


async def fetch(name):
    await asyncio.sleep(0.01)
    return name.upper()


async def main():
    loop = asyncio.get_running_loop()
    futures = [
        asyncio.run_coroutine_threadsafe(fetch("users"), loop),
        asyncio.run_coroutine_threadsafe(fetch("orders"), loop),
    ]
    for future in concurrent.futures.as_completed(futures):  # blocks the loop thread
        print(future.result())


asyncio.run(main())

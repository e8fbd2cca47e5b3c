# expect: none
# A single-thread executor runs a sync function that calls back into the loop through
# run_coroutine_threadsafe(...).result(); the coroutine awaits a slow job of the default
# executor (not of the busy single-thread one), so the bridge gets its answer.
import asyncio
import concurrent.futures
import time

db = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")


def read_row(key):
    time.sleep(1.3)
    return key.upper()


async def fetch(key):
    return await asyncio.get_running_loop().run_in_executor(None, read_row, key)


def sync_fetch(loop, key):
    return asyncio.run_coroutine_threadsafe(fetch(key), loop).result()  # on db's thread


async def main():
    loop = asyncio.get_running_loop()
    print(await loop.run_in_executor(db, sync_fetch, loop, "a"))


asyncio.run(main())

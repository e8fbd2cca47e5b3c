# expect: wait-cycle lines=16,20
# A single-thread executor runs a sync function that calls back into the loop through
# run_coroutine_threadsafe(...).result(); the coroutine awaits a job queued to that same
# executor, whose only thread is the one waiting.
import asyncio
import concurrent.futures

db = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")


def read_row(key):
    return key.upper()


async def fetch(key):
    return await asyncio.get_running_loop().run_in_executor(db, read_row, key)  # queued


def sync_fetch(loop, key):
    return asyncio.run_coroutine_threadsafe(fetch(key), loop).result()  # on db's thread


async def main():
    loop = asyncio.get_running_loop()
    print(await loop.run_in_executor(db, sync_fetch, loop, "a"))


asyncio.run(main())

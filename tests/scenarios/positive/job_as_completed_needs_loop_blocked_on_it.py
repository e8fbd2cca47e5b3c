# expect: loop-blocked lines=18,24
# A coroutine blocks its loop's thread on a pool job (future.result() in async code); the
# job collects, with concurrent.futures.as_completed(), two coroutines it scheduled on that
# loop, which never runs them.
import asyncio
import concurrent.futures

pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pool")


async def fetch(name):
    return name.upper()


def gather_names(loop):
    futures = [asyncio.run_coroutine_threadsafe(fetch(n), loop) for n in ("a", "b")]
    names = []
    for future in concurrent.futures.as_completed(futures):  # needs the blocked loop
        names.append(future.result())
    return sorted(names)


async def main():
    names = pool.submit(gather_names, asyncio.get_running_loop()).result()  # blocks the loop
    print(names)


asyncio.run(main())

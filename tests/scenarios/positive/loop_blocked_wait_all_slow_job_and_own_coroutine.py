# expect: loop-blocked lines=25
# timeout: 8
# A coroutine waits, on the loop's own thread, for all of a slow pool job and a coroutine
# it scheduled on that same loop: the job ends in time, the coroutine never runs.
import asyncio
import concurrent.futures
import threading

pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pool")
stop = threading.Event()


def crunch():
    stop.wait(30)  # busy for a long while (not stuck: it would end)
    return 1


async def fetch_config():
    return {"debug": True}


async def main():
    loop = asyncio.get_running_loop()
    both = [pool.submit(crunch), asyncio.run_coroutine_threadsafe(fetch_config(), loop)]
    concurrent.futures.wait(both)  # needs both: the loop thread never runs fetch_config()
    stop.set()


asyncio.run(main())

# expect: loop-blocked lines=15,20
# timeout: 8
# Leaving a `with ThreadPoolExecutor()` block on the loop's thread waits for the worker,
# and the worker waits for a coroutine that only the (now blocked) loop can run.
import asyncio
import concurrent.futures


async def lookup(key):
    await asyncio.sleep(0.01)
    return key.upper()


def job(loop):
    return asyncio.run_coroutine_threadsafe(lookup("a"), loop).result()  # waits for the loop


async def main():
    loop = asyncio.get_running_loop()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(job, loop)
    print("unreachable")  # the `with` exit above joins the worker on the loop's thread


asyncio.run(main())

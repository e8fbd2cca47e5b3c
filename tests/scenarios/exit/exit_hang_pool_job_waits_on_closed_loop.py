# expect: stall lines=14
# timeout: 8
# A pool job waits for a coroutine it scheduled on the loop; the program closes its loop
# without finishing that task, so the job waits forever, and interpreter exit joins the
# pool's worker.
import asyncio
import concurrent.futures

pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
never = asyncio.Event()


def job(loop):
    return asyncio.run_coroutine_threadsafe(never.wait(), loop).result()  # forever


async def main():
    pool.submit(job, asyncio.get_running_loop())
    await asyncio.sleep(0.05)
    print("main done")


loop = asyncio.new_event_loop()
loop.run_until_complete(main())
loop.close()  # the task the job waits for is left pending on a closed loop
print("closed")

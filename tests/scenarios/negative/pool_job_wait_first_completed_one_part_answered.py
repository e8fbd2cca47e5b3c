# expect: none
# A job of a one-thread pool waits with FIRST_COMPLETED for a part queued behind itself
# (it cannot start while the job runs) and for a reply that a timer thread sends after a
# while: the reply ends the wait, the job cancels the part and returns.
import asyncio
import concurrent.futures
import threading

pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pool")


def part():
    return "part"


def job():
    queued = pool.submit(part)  # needs this very worker: never starts while we wait
    reply = concurrent.futures.Future()
    threading.Timer(1.5, reply.set_result, ["reply"]).start()
    done, _ = concurrent.futures.wait([queued, reply], return_when="FIRST_COMPLETED")
    queued.cancel()
    return [f.result() for f in done]


async def main():
    print(await asyncio.get_running_loop().run_in_executor(pool, job))


asyncio.run(main())

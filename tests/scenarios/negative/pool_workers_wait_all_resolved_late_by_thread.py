# expect: none
# Every worker of a pool waits with concurrent.futures.wait() for two plain futures; a
# thread of the program resolves them after a while (longer than the loop-blocked
# threshold).
import asyncio
import concurrent.futures
import threading
import time

pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool")
answers = [[concurrent.futures.Future() for _ in range(2)] for _ in range(2)]


def job(n):
    done, _ = concurrent.futures.wait(answers[n])  # resolved by the thread below
    return sorted(f.result() for f in done)


def resolve_later():
    time.sleep(1.5)
    for n, pair in enumerate(answers):
        for k, fut in enumerate(pair):
            fut.set_result(n * 10 + k)


async def main():
    loop = asyncio.get_running_loop()
    threading.Thread(target=resolve_later, name="resolver").start()
    print(await asyncio.gather(*(loop.run_in_executor(pool, job, n) for n in range(2))))


asyncio.run(main())

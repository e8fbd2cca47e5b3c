# expect: none
# Every worker of a pool waits for a plain future; a thread of the program resolves them
# after a while (it sleeps first, longer than the loop-blocked threshold).
import asyncio
import concurrent.futures
import threading
import time

pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool")
answers = [concurrent.futures.Future() for _ in range(2)]


def job(n):
    return answers[n].result()  # resolved by the thread below


def resolve_later():
    time.sleep(1.5)
    for n, fut in enumerate(answers):
        fut.set_result(n * 10)


async def main():
    loop = asyncio.get_running_loop()
    threading.Thread(target=resolve_later, name="resolver").start()
    print(await asyncio.gather(*(loop.run_in_executor(pool, job, n) for n in range(2))))


asyncio.run(main())

# expect: none
# Every worker of a pool waits for a plain future that a timer of the loop resolves later:
# the loop is asleep, but its timer wakes it.
import asyncio
import concurrent.futures

pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool")
answers = [concurrent.futures.Future() for _ in range(2)]


def job(n):
    return answers[n].result()  # resolved by the loop's timer


def resolve():
    for n, fut in enumerate(answers):
        fut.set_result(n * 10)


async def main():
    loop = asyncio.get_running_loop()
    loop.call_later(1.5, resolve)
    print(await asyncio.gather(*(loop.run_in_executor(pool, job, n) for n in range(2))))


asyncio.run(main())

# expect: none
# A spawn-context process pool re-imports __main__ in its workers (__main__ must look real).
import asyncio
import concurrent.futures
import multiprocessing


def square(n):
    return n * n


async def main():
    ctx = multiprocessing.get_context("spawn")
    loop = asyncio.get_running_loop()
    lock = asyncio.Lock()
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as pool:
        async with lock:
            results = await asyncio.gather(
                *(loop.run_in_executor(pool, square, n) for n in range(6))
            )
    print(results)


if __name__ == "__main__":
    asyncio.run(main())

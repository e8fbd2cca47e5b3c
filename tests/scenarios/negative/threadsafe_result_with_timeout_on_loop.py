# expect: none
# potential: loop-blocked
# run_coroutine_threadsafe(...).result(timeout=1.5) on the loop's own thread: a bug that
# blocks for 1.5 s and then raises TimeoutError, which the program handles.
import asyncio
import concurrent.futures


async def answer():
    return 42


async def main():
    loop = asyncio.get_running_loop()
    fut = asyncio.run_coroutine_threadsafe(answer(), loop)
    try:
        print(fut.result(timeout=1.5))
    except concurrent.futures.TimeoutError:
        print("timed out; awaiting it instead")
        print(await asyncio.wrap_future(fut))


asyncio.run(main())

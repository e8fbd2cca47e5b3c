# expect: loop-blocked lines=14,20
# timeout: 8
# A helper meant for other threads runs a function on the loop and waits for its result;
# called on the loop's own thread, it waits for a callback that can never run.
import asyncio
import concurrent.futures

LOOP = None


def call_in_loop(fn):
    done = concurrent.futures.Future()
    LOOP.call_soon_threadsafe(lambda: done.set_result(fn()))
    return done.result()  # blocks the loop's thread: the callback can never run


async def main():
    global LOOP
    LOOP = asyncio.get_running_loop()
    print(call_in_loop(lambda: 42))  # called on the loop's own thread


asyncio.run(main())

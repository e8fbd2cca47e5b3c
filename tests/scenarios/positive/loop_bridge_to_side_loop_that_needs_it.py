# expect: loop-blocked lines=15,19,25
# A coroutine of the main loop calls a sync helper that runs a coroutine on a side loop
# (in its own thread) and waits for the result; that coroutine asks the main loop for a
# value, which the main loop, blocked in the helper, never gives.
import asyncio
import threading


async def lookup():
    return 42


async def config_value(main_loop):
    asked = asyncio.run_coroutine_threadsafe(lookup(), main_loop)
    return await asyncio.wrap_future(asked)  # on the side loop: waits for the main loop


def get_config(main_loop, side_loop):
    return asyncio.run_coroutine_threadsafe(config_value(main_loop), side_loop).result()


async def main():
    side_loop = asyncio.new_event_loop()
    threading.Thread(target=side_loop.run_forever, name="side-loop", daemon=True).start()
    print(get_config(asyncio.get_running_loop(), side_loop))  # blocks the main loop


asyncio.run(main())

# expect: none
# A coroutine of the main loop blocks its thread on a coroutine of a side loop (in its own
# thread), which takes a while but needs nothing of the main loop: the answer comes.
import asyncio
import threading


async def config_value():
    await asyncio.sleep(1.5)
    return 42


def get_config(side_loop):
    return asyncio.run_coroutine_threadsafe(config_value(), side_loop).result()


async def main():
    side_loop = asyncio.new_event_loop()
    threading.Thread(target=side_loop.run_forever, name="side-loop", daemon=True).start()
    print(get_config(side_loop))
    side_loop.call_soon_threadsafe(side_loop.stop)


asyncio.run(main())

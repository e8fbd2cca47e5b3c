# expect: none
# A coroutine of the main loop collects, with concurrent.futures.as_completed() on its own
# thread, two coroutines of a side loop (in its own thread), which take a while but need
# nothing of the main loop: the answers come.
import asyncio
import concurrent.futures
import threading


async def config_value(name):
    await asyncio.sleep(1.5)
    return name.upper()


async def main():
    side_loop = asyncio.new_event_loop()
    threading.Thread(target=side_loop.run_forever, name="side-loop", daemon=True).start()
    futures = [asyncio.run_coroutine_threadsafe(config_value(n), side_loop) for n in "ab"]
    print(sorted(f.result() for f in concurrent.futures.as_completed(futures)))
    side_loop.call_soon_threadsafe(side_loop.stop)


asyncio.run(main())

# expect: loop-blocked lines=17
# timeout: 8
# A coroutine waits with concurrent.futures.wait(), on the loop's own thread, for a
# coroutine it has just scheduled on that same loop: the loop can never run it.
import asyncio
import concurrent.futures


async def fetch_config():
    await asyncio.sleep(0.01)
    return {"debug": True}


async def main():
    loop = asyncio.get_running_loop()
    future = asyncio.run_coroutine_threadsafe(fetch_config(), loop)
    done, _ = concurrent.futures.wait([future])  # blocks the loop thread forever
    print(done.pop().result())


asyncio.run(main())

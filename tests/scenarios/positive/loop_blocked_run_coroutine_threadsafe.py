# expect: loop-blocked lines=16
# timeout: 8
# A coroutine waits synchronously, on the loop's own thread, for a coroutine it has just
# scheduled on that same loop: the loop can never run it.
import asyncio


async def fetch_config():
    await asyncio.sleep(0.01)
    return {"debug": True}


async def main():
    loop = asyncio.get_running_loop()
    future = asyncio.run_coroutine_threadsafe(fetch_config(), loop)
    config = future.result()  # blocks the loop thread forever
    print(config)


asyncio.run(main())

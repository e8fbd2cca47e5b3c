# expect: stall lines=12
# args: --grace 0.2
# After one to_thread() call, the loop's default executor keeps an idle worker thread. It
# waits for work that only the loop would submit, so it cannot wake the Event nobody sets.
import asyncio
import time


async def main():
    await asyncio.to_thread(time.sleep, 0)
    never = asyncio.Event()
    await never.wait()


asyncio.run(main())

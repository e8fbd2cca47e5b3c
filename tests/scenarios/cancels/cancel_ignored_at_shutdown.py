# expect: none
# potential: cancel-ignored lines=13,26
# cancelled-at: 26
# caught-at: 15
# A background poller ignores the cancel of asyncio.run's shutdown and keeps polling for
# 2 s more, so the program does not exit when main returns.
import asyncio


async def poll(state):
    for _ in range(40):
        try:
            await asyncio.sleep(0.05)
            state["polls"] += 1
        except asyncio.CancelledError:
            pass  # "keep polling until done": the shutdown's cancel is swallowed


async def main():
    state = {"polls": 0}
    asyncio.create_task(poll(state), name="poller")
    await asyncio.sleep(0.1)
    print("main done")


asyncio.run(main())

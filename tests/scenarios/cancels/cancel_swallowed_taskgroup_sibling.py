# expect: none
# requires: 3.11
# potential: cancel-ignored lines=18,25
# caught-at: 19
# One child of a TaskGroup fails; the group cancels its sibling, which swallows the cancel
# and works on for 2 s: the group (and main) wait for it.
import asyncio


async def fail():
    await asyncio.sleep(0.05)
    raise ValueError("bad input")


async def sibling():
    for _ in range(40):
        try:
            await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            continue  # the group's cancel is lost


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(fail(), name="fail")
            tg.create_task(sibling(), name="sibling")
    except* ValueError:
        print("group failed")


asyncio.run(main())

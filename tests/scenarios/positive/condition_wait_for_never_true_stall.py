# expect: stall lines=17
# timeout: 6
# wait_for(predicate) on a Condition: notified, but the predicate never becomes true.
import asyncio


async def main():
    cond = asyncio.Condition()
    state = {"ready": False}

    async def poke():
        async with cond:
            cond.notify_all()

    asyncio.create_task(poke())
    async with cond:
        await cond.wait_for(lambda: state["ready"])


asyncio.run(main())

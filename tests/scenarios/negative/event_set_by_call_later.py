# expect: none
# An Event, a Condition and a Future are completed by timers, past the stall grace.
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    ev = asyncio.Event()
    loop.call_later(1.2, ev.set)
    await ev.wait()
    fut = loop.create_future()
    loop.call_later(0.1, fut.set_result, "late")
    cond = asyncio.Condition()

    async def notify():
        async with cond:
            cond.notify_all()

    loop.call_later(0.1, lambda: asyncio.ensure_future(notify()))
    async with cond:
        await cond.wait()
    print(await fut)


asyncio.run(main())

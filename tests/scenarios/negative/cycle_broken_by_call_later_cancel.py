# expect: none
# Two tasks await each other, but a watchdog timer cancels one of them.
import asyncio


async def peer(tasks, other):
    await asyncio.sleep(0)
    try:
        await tasks[other]
    except asyncio.CancelledError:
        return f"{other} cancelled"


async def main():
    tasks = {}
    tasks["a"] = asyncio.create_task(peer(tasks, "b"))
    tasks["b"] = asyncio.create_task(peer(tasks, "a"))
    asyncio.get_running_loop().call_later(0.3, tasks["a"].cancel)
    results = await asyncio.gather(*tasks.values(), return_exceptions=True)
    print([type(r).__name__ for r in results])


asyncio.run(main())

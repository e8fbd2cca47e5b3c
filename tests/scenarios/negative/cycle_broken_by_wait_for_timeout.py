# expect: none
# main waits for a child with a timeout while the child awaits main: the timeout breaks it.
import asyncio


async def child(parent):
    await parent


async def main():
    me = asyncio.current_task()
    job = asyncio.create_task(child(me))
    try:
        await asyncio.wait_for(job, 0.3)
    except asyncio.TimeoutError:
        print("gave up on the child")
    print("child cancelled:", job.cancelled())


asyncio.run(main())

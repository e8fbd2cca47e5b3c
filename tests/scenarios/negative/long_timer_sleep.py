# expect: none
# A task waits on a long timer while another waits on an Event the timer sets.
import asyncio


async def main():
    done = asyncio.Event()

    async def timer():
        await asyncio.sleep(1.5)
        done.set()

    asyncio.create_task(timer())
    await done.wait()
    print("timer fired")


asyncio.run(main())

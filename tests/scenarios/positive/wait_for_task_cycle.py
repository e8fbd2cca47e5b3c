# expect: wait-cycle lines=11,16
# timeout: 5
# Two tasks wait for each other through asyncio.wait_for without a timeout.
import asyncio

tasks = {}


async def ping():
    await asyncio.sleep(0.01)
    return await asyncio.wait_for(tasks["pong"], timeout=None)


async def pong():
    await asyncio.sleep(0.01)
    return await asyncio.wait_for(tasks["ping"], timeout=None)


async def main():
    tasks["ping"] = asyncio.create_task(ping(), name="ping")
    tasks["pong"] = asyncio.create_task(pong(), name="pong")
    await asyncio.wait([tasks["ping"], tasks["pong"]])


asyncio.run(main())

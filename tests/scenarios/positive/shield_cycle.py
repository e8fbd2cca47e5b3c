# expect: wait-cycle lines=9,14
# timeout: 5
# Shielding does not help: main awaits a shielded task that awaits main.
import asyncio


async def saver(main_task):
    await asyncio.sleep(0.01)
    await main_task


async def main():
    job = asyncio.create_task(saver(asyncio.current_task()), name="saver")
    await asyncio.shield(job)


asyncio.run(main())

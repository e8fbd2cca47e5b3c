# expect: wait-cycle lines=12
# timeout: 5
# Three pipeline stages, each awaiting the next one's task; the last awaits the first.
import asyncio

stages = []


async def stage(i):
    await asyncio.sleep(0.01)
    nxt = stages[(i + 1) % 3]
    return await nxt


async def main():
    for i in range(3):
        stages.append(asyncio.create_task(stage(i), name=f"stage-{i}"))
    print(await stages[0])


asyncio.run(main())

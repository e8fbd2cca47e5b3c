# expect: wait-cycle lines=9,11
# timeout: 6
# Dining philosophers: three forks, each philosopher takes left then right.
import asyncio


async def philosopher(i, forks):
    left, right = forks[i], forks[(i + 1) % 3]
    async with left:
        await asyncio.sleep(0.1)
        async with right:
            print("eating", i)


async def main():
    forks = [asyncio.Lock() for _ in range(3)]
    await asyncio.gather(*(philosopher(i, forks) for i in range(3)))


asyncio.run(main())

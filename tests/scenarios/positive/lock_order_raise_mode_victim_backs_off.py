# expect: wait-cycle lines=17,19
# exit: 0
# args: --on-deadlock raise
# stdout-has: caught wait-cycle
# stdout-has: done: ['a', 'b']
# potential: lock-order lines=17,19
# Raise mode on a lock-order cycle: one task gets DeadlockError, backs off and retries,
# which lets the other one finish.
import asyncio

import aiodeadlock


async def transfer(name, first, second):
    while True:
        try:
            async with first:
                await asyncio.sleep(0.1)
                async with second:
                    return name
        except aiodeadlock.DeadlockError as exc:
            print("caught", exc.findings[0].kind.name)
            await asyncio.sleep(0.2)


async def main():
    a, b = asyncio.Lock(), asyncio.Lock()
    print("done:", sorted(await asyncio.gather(transfer("a", a, b), transfer("b", b, a))))


asyncio.run(main())

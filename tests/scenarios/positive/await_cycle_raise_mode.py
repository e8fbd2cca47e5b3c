# expect: wait-cycle lines=16
# exit: 0
# args: --on-deadlock raise
# stdout-has: caught wait-cycle
# Raise mode on a task-await cycle: a victim gets DeadlockError instead of waiting forever.
import asyncio

import aiodeadlock

peers = {}


async def peer(other):
    await asyncio.sleep(0.01)
    try:
        return await peers[other]
    except aiodeadlock.DeadlockError as exc:
        print("caught", exc.findings[0].kind.name)
        return "broke the cycle"


async def main():
    peers["a"] = asyncio.create_task(peer("b"))
    peers["b"] = asyncio.create_task(peer("a"))
    print(await asyncio.gather(peers["a"], peers["b"]))


asyncio.run(main())

# expect: wait-cycle lines=11
# timeout: 5
# Two tasks each await the other (a handshake wired the wrong way round).
import asyncio

peers = {}


async def peer(name, other):
    await asyncio.sleep(0)
    await peers[other]  # each waits here for the other


async def main():
    peers["a"] = asyncio.create_task(peer("a", "b"), name="a")
    peers["b"] = asyncio.create_task(peer("b", "a"), name="b")
    await asyncio.gather(peers["a"], peers["b"])


asyncio.run(main())

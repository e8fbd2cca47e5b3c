# expect: none
# A heartbeat keeps running; after enough beats it sets the Event a worker waits on.
import asyncio


async def heartbeat(beats, ready):
    while True:
        await asyncio.sleep(0.1)
        beats.append(1)
        if len(beats) == 12:
            ready.set()


async def worker(ready):
    await ready.wait()
    print("worker started after the heartbeat")


async def main():
    ready = asyncio.Event()
    hb = asyncio.create_task(heartbeat([], ready))
    await worker(ready)
    hb.cancel()


asyncio.run(main())

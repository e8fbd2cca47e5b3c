# expect: none
# A shielded save keeps running after its caller is cancelled; main waits for it.
import asyncio


async def save(lock, log):
    async with lock:
        await asyncio.sleep(0.1)
        log.append("saved")


async def handler(lock, log, box):
    box.append(asyncio.ensure_future(save(lock, log)))
    await asyncio.shield(box[0])


async def main():
    lock, log, box = asyncio.Lock(), [], []
    h = asyncio.create_task(handler(lock, log, box))
    await asyncio.sleep(0.02)
    h.cancel()
    await asyncio.gather(h, return_exceptions=True)
    await box[0]
    async with lock:
        print(log)


asyncio.run(main())

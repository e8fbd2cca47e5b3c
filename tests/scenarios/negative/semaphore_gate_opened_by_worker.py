# expect: none
# A Semaphore(1) as a gate (threading style): main closes it, a worker opens it later,
# main waits at the gate. Main asks again for the only permit it holds, but a live
# worker will release it.
import asyncio


async def worker(gate, log):
    await asyncio.sleep(0.2)
    log.append("worker done")
    gate.release()


async def main():
    gate = asyncio.Semaphore(1)
    log = []
    await gate.acquire()  # close the gate
    t = asyncio.create_task(worker(gate, log))
    await asyncio.sleep(0.05)  # the worker is now sleeping, not scheduled
    await gate.acquire()  # wait for the worker to open it
    print(log)
    await t


asyncio.run(main())

# expect: none
# A Lock used as a one-shot signal: main takes it, a worker releases it when done, and main
# waits by acquiring it again.
import asyncio


async def worker(done, log):
    await asyncio.sleep(0.2)
    log.append("worker finished")
    done.release()


async def main():
    done = asyncio.Lock()
    log = []
    await done.acquire()
    t = asyncio.create_task(worker(done, log))
    await asyncio.sleep(0.05)
    await done.acquire()  # released by the worker
    print(log)
    done.release()
    await t


asyncio.run(main())

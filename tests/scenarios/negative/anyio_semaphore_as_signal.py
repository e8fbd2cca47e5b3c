# expect: none
# An anyio.Semaphore(0) used as a signal: a worker holds a permit of another gate and
# waits for the signal, which a supervisor task gives with release() after a while.
import anyio


class Job:
    def __init__(self):
        self.gate = anyio.Semaphore(1)
        self.signal = anyio.Semaphore(0)

    async def work(self):
        async with self.gate:
            await self.signal.acquire()
            print("signalled")

    async def supervise(self):
        await anyio.sleep(0.2)
        self.signal.release()


async def main():
    job = Job()
    async with anyio.create_task_group() as tg:
        tg.start_soon(job.work)
        tg.start_soon(job.supervise)
    print("done")


anyio.run(main)

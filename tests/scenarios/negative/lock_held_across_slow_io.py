# expect: none
# Tasks queue on a lock whose holder waits 1.2 s on a subprocess, then on a thread.
import asyncio
import sys
import time


async def holder(lock, started):
    async with lock:
        started.set()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "import time; time.sleep(1.2); print('slow child')",
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await proc.communicate()
        print(out.decode().strip())
        await asyncio.to_thread(time.sleep, 0.3)


async def waiter(lock, n):
    async with lock:
        return n


async def main():
    lock, started = asyncio.Lock(), asyncio.Event()
    h = asyncio.create_task(holder(lock, started))
    await started.wait()
    print(await asyncio.gather(*(waiter(lock, n) for n in range(5))))
    await h


asyncio.run(main())

# expect: none
# One task runs a subprocess that takes 1.2 s while another waits for its result on an
# anyio.Event and a third holds a CapacityLimiter token meanwhile.
import sys

import anyio


async def main():
    done = anyio.Event()
    limiter = anyio.CapacityLimiter(1)
    result = {}

    async def run():
        async with limiter:
            proc = await anyio.run_process(
                [sys.executable, "-c", "import time; time.sleep(1.2); print('child')"]
            )
            result["out"] = proc.stdout.decode().strip()
        done.set()

    async def wait():
        await done.wait()
        async with limiter:
            print("got", result["out"])

    async with anyio.create_task_group() as tg:
        tg.start_soon(run)
        tg.start_soon(wait)


anyio.run(main)

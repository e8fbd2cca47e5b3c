# expect: none
# Workers wait on an anyio.Event that a timer task sets after 1.3 s (longer than the grace).
import anyio


async def worker(ready, n, out):
    await ready.wait()
    out.append(n)


async def opener(ready):
    await anyio.sleep(1.3)
    ready.set()


async def main():
    ready = anyio.Event()
    out = []
    async with anyio.create_task_group() as tg:
        for n in range(3):
            tg.start_soon(worker, ready, n, out)
        tg.start_soon(opener, ready)
    print(sorted(out))


anyio.run(main)

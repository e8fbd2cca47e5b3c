# expect: none
# Ten downloads share a CapacityLimiter of two tokens; every token comes back.
import anyio


async def download(limiter, n, done):
    async with limiter:
        await anyio.sleep(0.02)
        done.append(n)


async def main():
    limiter = anyio.CapacityLimiter(2)
    done = []
    async with anyio.create_task_group() as tg:
        for n in range(10):
            tg.start_soon(download, limiter, n, done)
    print(sorted(done), limiter.borrowed_tokens)


anyio.run(main)

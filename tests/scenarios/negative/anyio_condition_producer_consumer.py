# expect: none
# Consumers wait on an anyio.Condition; the producer appends items and notifies them.
import anyio


async def consume(cond, items, got):
    async with cond:
        while not items:
            await cond.wait()
        got.append(items.pop())


async def produce(cond, items):
    for i in range(3):
        await anyio.sleep(0.02)
        async with cond:
            items.append(i)
            cond.notify()


async def main():
    cond = anyio.Condition()
    items, got = [], []
    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(consume, cond, items, got)
        tg.start_soon(produce, cond, items)
    print(sorted(got))


anyio.run(main)

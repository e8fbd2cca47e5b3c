# expect: stall lines=10
# timeout: 8
# A consumer waits on an anyio.Condition that the producer never notifies.
import anyio


async def consume(cond, items):
    async with cond:
        while not items:
            await cond.wait()  # nobody calls notify()
        print("got", items.pop())


async def main():
    cond = anyio.Condition()
    items = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(consume, cond, items)
        await anyio.sleep(0.05)
        items.append(1)  # appended, but the consumer is never told


anyio.run(main)

# expect: wait-cycle lines=10,17,19
# timeout: 6
# The consumer waits on a Condition while holding the table lock; the producer must take
# the table lock before it can notify.
import asyncio


async def producer(table, cond, rows):
    await asyncio.sleep(0)
    async with table:  # waits for the consumer's table lock
        rows.append("row")
        async with cond:
            cond.notify()


async def consumer(table, cond, rows):
    async with table:  # taken here
        async with cond:
            await cond.wait_for(lambda: rows)  # only the producer would notify
        print(rows)


async def main():
    table, cond, rows = asyncio.Lock(), asyncio.Condition(), []
    await asyncio.gather(consumer(table, cond, rows), producer(table, cond, rows))


asyncio.run(main())

# expect: self-deadlock lines=23,9,15,19
# The lock is taken at the top, and taken again three coroutine calls further down.
import asyncio

db_lock = asyncio.Lock()


async def write_row(row):
    async with db_lock:  # third level: waits for its own caller
        print("writing", row)


async def save_batch(rows):
    for row in rows:
        await write_row(row)  # second level


async def flush(rows):
    await save_batch(rows)  # first level


async def main():
    async with db_lock:  # held from here
        await flush([1, 2])


asyncio.run(main())

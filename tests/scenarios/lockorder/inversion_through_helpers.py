# expect: none
# potential: lock-order lines=9,19
# The inversion hides in helpers: deposit() holds `cache` and calls a helper that takes
# `db`; sync() holds `db` and calls a helper that takes `cache`.
import asyncio


async def write_db(db):
    async with db:
        await asyncio.sleep(0)


async def deposit(cache, db):
    async with cache:
        await write_db(db)


async def refresh_cache(cache):
    async with cache:
        await asyncio.sleep(0)


async def sync(cache, db):
    async with db:
        await refresh_cache(cache)


async def main():
    cache = asyncio.Lock()
    db = asyncio.Lock()
    await deposit(cache, db)
    await sync(cache, db)
    print("both done")


asyncio.run(main())

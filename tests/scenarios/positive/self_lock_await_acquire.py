# expect: self-deadlock lines=7,10
# Explicit acquire()/release() pairs: the second acquire() comes before the release().
import asyncio


async def transfer(lock, ledger):
    await lock.acquire()  # taken here
    try:
        ledger.append("debit")
        await lock.acquire()  # asked for again by the holder
        ledger.append("credit")
    finally:
        lock.release()


async def main():
    await transfer(asyncio.Lock(), [])


asyncio.run(main())

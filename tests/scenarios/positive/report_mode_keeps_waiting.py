# expect: self-deadlock lines=11,13
# args: --on-deadlock report
# exit: hang
# timeout: 3
# With --on-deadlock report the report is written at once and the program hangs as it would.
import asyncio


async def main():
    lock = asyncio.Lock()
    async with lock:
        print("about to deadlock", flush=True)
        async with lock:
            pass


asyncio.run(main())

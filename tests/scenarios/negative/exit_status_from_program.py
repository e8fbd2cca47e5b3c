# expect: none
# exit: 4
# The program's own exit status passes through, after some lock traffic.
import asyncio
import sys


async def main():
    lock = asyncio.Lock()
    async with lock:
        print("about to exit")
    return 4


sys.exit(asyncio.run(main()))

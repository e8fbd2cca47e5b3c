# expect: none
# main() returns while an executor job still runs; asyncio.run waits 1.3 s for it on shutdown.
import asyncio
import time


def slow():
    time.sleep(1.3)
    print("executor job done")


async def main():
    asyncio.get_running_loop().run_in_executor(None, slow)
    print("main returns")


asyncio.run(main())

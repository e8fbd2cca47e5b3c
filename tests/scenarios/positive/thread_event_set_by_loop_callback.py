# expect: loop-blocked lines=11
# timeout: 8
# The loop thread waits on a threading.Event that only a loop callback would set.
import asyncio
import threading


async def main():
    done = threading.Event()
    asyncio.get_running_loop().call_soon(done.set)
    done.wait()
    print("never")


asyncio.run(main())

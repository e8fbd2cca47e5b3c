# expect: none
# A task awaits only the exit of a child process (no pipe) that sleeps for 1.5 s.
import asyncio
import sys


async def main():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import time; time.sleep(1.5)"
    )
    print("status", await proc.wait())


asyncio.run(main())

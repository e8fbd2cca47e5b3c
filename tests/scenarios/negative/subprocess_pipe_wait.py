# expect: none
# A task waits on a subprocess's pipe; the child answers after 1.5 s (past the stall grace).
import asyncio
import sys


async def main():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import time; time.sleep(1.5); print(1)",
        stdout=asyncio.subprocess.PIPE,
    )
    out = await proc.stdout.read()
    print("child said", out.decode().strip(), "status", await proc.wait())


asyncio.run(main())

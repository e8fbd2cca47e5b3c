# expect: none
# subprocess.run() called directly in a coroutine: blocks the loop 1.5 s, then returns.
import asyncio
import subprocess
import sys


async def main():
    out = subprocess.run(
        [sys.executable, "-c", "import time; time.sleep(1.5); print('child done')"],
        capture_output=True, text=True, check=True,
    ).stdout
    print(out.strip())


asyncio.run(main())

# expect: none
# A child process sends SIGUSR1 after 1.5 s; the loop's signal handler sets an Event.
import asyncio
import os
import signal
import sys


async def main():
    loop = asyncio.get_running_loop()
    got = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, got.set)
    code = f"import os, signal, time; time.sleep(1.5); os.kill({os.getpid()}, signal.SIGUSR1)"
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code)
    await got.wait()
    print("signal received")
    await proc.wait()


asyncio.run(main())

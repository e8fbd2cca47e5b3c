# expect: none
# A signal.signal() handler (not loop.add_signal_handler) wakes the loop after 1.5 s.
import asyncio
import os
import signal
import sys


async def main():
    loop = asyncio.get_running_loop()
    ev = asyncio.Event()
    signal.signal(signal.SIGUSR1, lambda *a: loop.call_soon_threadsafe(ev.set))
    code = f"import os, signal, time; time.sleep(1.5); os.kill({os.getpid()}, signal.SIGUSR1)"
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code)
    await ev.wait()
    print("got signal")
    await proc.wait()


asyncio.run(main())

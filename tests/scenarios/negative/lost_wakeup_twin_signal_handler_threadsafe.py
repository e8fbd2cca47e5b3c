# expect: none
# A signal.signal handler that hands the work to the loop with call_soon_threadsafe,
# which writes to the loop's wake-up pipe. Completes.
import asyncio
import os
import signal
import threading


async def main():
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(signum, frame):
        loop.call_soon_threadsafe(stop.set)

    signal.signal(signal.SIGUSR1, on_signal)
    threading.Timer(1.3, os.kill, (os.getpid(), signal.SIGUSR1)).start()
    await stop.wait()
    print("stopped")

asyncio.run(main())

# expect: none
# The same stop signal, installed with loop.add_signal_handler: the handler runs in the
# loop, which the signal wakes. Completes.
import asyncio
import os
import signal
import threading


async def main():
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, stop.set)
    threading.Timer(1.3, os.kill, (os.getpid(), signal.SIGUSR1)).start()
    await stop.wait()
    print("stopped")

asyncio.run(main())

# expect: none
# A signal.signal handler sets an Event without waking the loop, but a timer is due
# soon: the loop wakes for it and runs the ready callback too. Late, not lost. Completes.
import asyncio
import os
import signal
import threading


async def heartbeat():
    await asyncio.sleep(2.0)


async def main():
    stop = asyncio.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGUSR1, on_signal)
    beat = asyncio.create_task(heartbeat())
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGUSR1)).start()
    await stop.wait()
    print("stopped")
    await beat

asyncio.run(main())
